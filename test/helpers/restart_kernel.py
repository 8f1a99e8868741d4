"""Starts the installed amalgam kernelspec with jupyter_client, defines a name, restarts the kernel
the way Jupyter does (shutdown_request with restart=True, then a new process) and checks the new
kernel answers with a fresh namespace. Prints a JSON summary."""
import json
from jupyter_client.manager import KernelManager

def run(kc, code):
    msg_id = kc.execute(code)
    reply = kc.get_shell_msg(timeout=60)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=60)
    result = None
    while True:
        m = kc.get_iopub_msg(timeout=60)
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        if m["msg_type"] == "execute_result":
            result = m["content"]["data"]["text/plain"]
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            return reply["content"]["status"], result

km = KernelManager(kernel_name="amalgam")
km.start_kernel()
kc = km.client(); kc.start_channels(); kc.wait_for_ready(timeout=60)
before = run(kc, "const kept = 41; kept + 1")
pid_before = km.provisioner.process.pid
kc.stop_channels()
km.restart_kernel(now=False)
kc = km.client(); kc.start_channels(); kc.wait_for_ready(timeout=60)
after = run(kc, "typeof (globalThis as any).kept")
pid_after = km.provisioner.process.pid
kc.stop_channels(); km.shutdown_kernel(now=False)
print(json.dumps({"before": before, "after": after, "new_process": pid_before != pid_after, "alive_after_shutdown": km.is_alive()}))
