"""Executes a notebook given as JSON on stdin through Jupyter's nbclient and the installed kernelspec.
Writes the executed notebook as JSON to the request's "output" path (not stdout: the kernel process
shares this process's stdout). Used by test/helpers/notebook.mjs."""
import json, sys
import nbformat
from nbclient import NotebookClient

request = json.load(sys.stdin)
# reads() joins list-of-lines sources as nbformat.read does (nbclient expects strings)
nb = nbformat.reads(json.dumps(request["notebook"]), as_version=4) if "notebook" in request else nbformat.v4.new_notebook(
    cells=[nbformat.v4.new_code_cell(c) for c in request["cells"]])
nbformat.validate(nb) if "notebook" in request else None
client = NotebookClient(nb, kernel_name=request.get("kernel", "amalgam"), timeout=request.get("timeout", 120),
                        allow_errors=True, record_timing=False,
                        interrupt_on_timeout=request.get("interrupt_on_timeout", False))
client.execute()
with open(request["output"], "w") as f:
    json.dump(nb, f)
