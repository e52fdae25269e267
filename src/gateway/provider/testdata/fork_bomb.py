"""Forks until the kernel refuses (a shell gives up at its first failed fork), prints how many
processes its sandbox then holds, and kills its children."""
import os
import signal

kids = []
try:
    for _ in range(5000):
        pid = os.fork()
        if pid == 0:
            signal.pause()
            os._exit(0)
        kids.append(pid)
except OSError:
    pass
print("procs=%d" % len([p for p in os.listdir("/proc") if p.isdigit()]), flush=True)
for pid in kids:
    os.kill(pid, signal.SIGKILL)
