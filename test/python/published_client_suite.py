"""Every method of the published Python client (hindsight-client 1.1.0) against a live service.

Reads docs/API.md's table of the published clients' methods and calls each Python method: a `served` row must
answer what the client parses, with the fields a user reads right; a `501` row must fail with 501. Prints one
line per row: `ok <method>`, `skip <method>: <why>` or `FAIL <method>: <why>`.
"""

import os
import re
import sys
import tempfile
import uuid

from hindsight_client import Hindsight
from hindsight_client.hindsight_client import _run_async
from hindsight_client_api.exceptions import ApiException

URL = os.environ["HINDSIGHT_API_URL"]
DOC = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "API.md")


def table():
    text = open(DOC, encoding="utf-8").read()
    body = re.search(r"<!-- published-clients-table:start -->(.*?)<!-- published-clients-table:end -->", text, re.S)
    rows = []
    for line in body.group(1).splitlines():
        if not line.startswith("|") or line.startswith("| ---") or line.startswith("| TypeScript"):
            continue
        cells = [c.strip().replace("`", "") for c in line.split("|")[1:-1]]
        rows.append({"python": None if cells[1] == "—" else cells[1], "http": cells[2], "here": cells[4]})
    return rows


client = Hindsight(base_url=URL)
bank = f"published-py-{uuid.uuid4().hex[:8]}"
retained = client.retain_batch(bank, [{"content": "Alice flew to Paris in May."}, {"content": "Bob took the train to Rome."}])


def expect(condition, what):
    if not condition:
        raise AssertionError(what)


def run(coro):
    # On the loop the client's own sync methods use: its HTTP session belongs to that loop.
    return _run_async(coro)


def check_delete_bank():
    other = bank + "-deleted"
    client.retain(other, "Soon gone.")
    client.delete_bank(other)
    # The delete runs as an operation: until it ends the bank takes no new work.
    try:
        client.retain(other, "Too late.")
    except Exception as error:
        expect(status_of(error) == 409, f"a retain into a bank being deleted gets 409, not {status_of(error)}")
    else:
        raise AssertionError("a retain into a bank being deleted was accepted")


def check_list_banks():
    client.create_bank(bank, name="Travel")
    banks = run(client.banks.list_banks()).banks
    expect(any(b.bank_id == bank and b.name == "Travel" for b in banks), "the bank is listed with its name")


def check_retain_files():
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "trip.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write("Fay sailed to Crete in June.")
        result = client.retain_files(bank, [path])
    expect(len(result.operation_ids) == 1, "one batch_retain for the upload")


SERVED = {
    "retain_files": check_retain_files,
    "get_version": lambda: expect(re.match(r"\d+\.\d+\.\d+", client.get_version().api_version), "a version"),
    "retain": lambda: expect(client.retain(bank, "Carol visited Berlin.").items_count == 1, "one item"),
    "retain_batch": lambda: expect(
        client.retain_batch(bank, [{"content": "Dan met Eve."}, {"content": "Eve went to Oslo."}]).success, "success"
    ),
    "recall": lambda: expect(
        client.recall(bank, "Where did Alice fly?").results[0].text == "Alice flew to Paris in May.", "Alice first"
    ),
    "list_memories": lambda: expect(
        getattr(client.list_memories(bank, search_query="rome").items[0], "text", None)
        == "Bob took the train to Rome.", "Bob found"
    ),
    "create_bank": lambda: expect(
        client.create_bank(bank, name="Travel", disposition_empathy=5).disposition.empathy == 5, "empathy 5"
    ),
    "set_mission": lambda: expect(client.set_mission(bank, "Remember trips").mission == "Remember trips", "mission"),
    "set_reflect_mission": lambda: expect(client.set_reflect_mission(bank, "Trips").mission == "Trips", "mission"),
    "get_bank_config": lambda: expect("reflect_mission" in client.get_bank_config(bank)["config"], "config"),
    "update_bank_config": lambda: expect(
        client.update_bank_config(bank, retain_chunk_size=700)["overrides"]["retain_chunk_size"] == 700, "override"
    ),
    "reset_bank_config": lambda: expect(client.reset_bank_config(bank)["overrides"] == {}, "no overrides"),
    "delete_bank": check_delete_bank,
    "banks.list_banks": check_list_banks,
    "banks.get_agent_stats": lambda: expect(run(client.banks.get_agent_stats(bank)).total_nodes >= 2, "counts"),
    "monitoring.get_liveness": lambda: run(client.monitoring.get_liveness()),
}

ID = "x1"
FAILING = {
    "reflect": lambda: client.reflect(bank, "Where did Alice fly?"),
    "create_directive": lambda: client.create_directive(bank, "rule", "Be brief"),
    "list_directives": lambda: client.list_directives(bank),
    "get_directive": lambda: client.get_directive(bank, ID),
    "update_directive": lambda: client.update_directive(bank, ID, name="n"),
    "delete_directive": lambda: client.delete_directive(bank, ID),
    "create_mental_model": lambda: client.create_mental_model(bank, "m", "q"),
    "list_mental_models": lambda: client.list_mental_models(bank),
    "get_mental_model": lambda: client.get_mental_model(bank, ID),
    "refresh_mental_model": lambda: client.refresh_mental_model(bank, ID),
    "dry_run_refresh_mental_model": lambda: client.dry_run_refresh_mental_model(bank, ID),
    "clear_mental_model": lambda: client.clear_mental_model(bank, ID),
    "update_mental_model": lambda: client.update_mental_model(bank, ID, name="n"),
    "delete_mental_model": lambda: client.delete_mental_model(bank, ID),
    "get_mental_model_history": lambda: client.get_mental_model_history(bank, ID),
    "get_knowledge_base_tree": lambda: client.get_knowledge_base_tree(bank),
    "create_knowledge_folder": lambda: client.create_knowledge_folder(bank, "f"),
    "create_knowledge_page": lambda: client.create_knowledge_page(bank, "p", "q"),
    "get_knowledge_page": lambda: client.get_knowledge_page(bank, ID),
    "search_knowledge_base": lambda: client.search_knowledge_base(bank, "q"),
    "update_knowledge_node": lambda: client.update_knowledge_node(bank, ID, name="n"),
    "delete_knowledge_node": lambda: client.delete_knowledge_node(bank, ID),
    "export_knowledge_base": lambda: client.export_knowledge_base(bank),
    "export_documents": lambda: client.export_documents(bank),
    "export_bank": lambda: client.export_bank(bank),
    "import_bank": lambda: client.import_bank(bank, b"{}"),
    "clone_bank": lambda: client.clone_bank(bank, bank + "-clone"),
}


def status_of(error):
    status = getattr(error, "status", None) or getattr(error, "status_code", None)
    return status if isinstance(status, int) else None


failed = 0
for row in table():
    name = row["python"]
    if name is None:
        continue
    if row["here"].startswith("served by "):
        print(f"skip {name}: {row['here']}")
        continue
    try:
        if row["here"] == "served":
            check = SERVED.get(name)
            if check is None:
                print(f"skip {name}: not driven by this suite")
                continue
            check()
        else:
            call = FAILING.get(name)
            if call is None:
                print(f"skip {name}: not driven by this suite")
                continue
            try:
                call()
            except Exception as error:  # the client's own error type for a failed call
                if status_of(error) != 501 and "501" not in str(error):
                    raise AssertionError(f"failed with {status_of(error)}, not 501: {error}") from error
            else:
                raise AssertionError("answered, not 501")
        print(f"ok {name}")
    except Exception as error:
        failed += 1
        print(f"FAIL {name}: {type(error).__name__}: {str(error)[:1500]!r}")

client.close()
sys.exit(1 if failed else 0)
