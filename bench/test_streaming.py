"""bench/streaming.py runs end to end (a tiny size: a smoke test, not a measurement) and puts
the streaming threshold back."""
import importlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import streaming  # noqa: E402  (bench/streaming.py)

import fastact  # noqa: E402


def test_table_and_threshold_restored(capsys):
    kmod = importlib.import_module("fastact._kernels._kernels_" + fastact.config()["isa"])
    threads = fastact.get_num_threads()
    try:
        streaming.main(["--sizes-mi", "0.004,0.01", "--passes", "relu,tanh_b", "--dtype",
                        "float32"])
    finally:
        fastact.set_num_threads(threads)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("level %s, 1 thread(s), float32" % fastact.config()["isa"])
    assert len(lines) == 3 and all("relu " in line and "tanh_b " in line for line in lines[1:])
    assert kmod.set_stream_min_bytes(kmod.STREAM_MIN_BYTES) == kmod.STREAM_MIN_BYTES
