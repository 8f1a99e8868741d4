"""Executes a notebook given as JSON on stdin through Jupyter's nbclient and the installed kernelspec.
Prints the executed notebook as JSON. Used by test/helpers/notebook.mjs."""
import json, sys
import nbformat
from nbclient import NotebookClient

request = json.load(sys.stdin)
nb = nbformat.from_dict(request["notebook"]) if "notebook" in request else nbformat.v4.new_notebook(
    cells=[nbformat.v4.new_code_cell(c) for c in request["cells"]])
nbformat.validate(nb) if "notebook" in request else None
client = NotebookClient(nb, kernel_name=request.get("kernel", "amalgam"), timeout=request.get("timeout", 120),
                        allow_errors=True, record_timing=False)
client.execute()
json.dump(nb, sys.stdout)
