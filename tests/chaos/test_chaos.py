"""A short fixed-seed sample of `make chaos` for `make test`: two runs of failover and failback
under kills, faults, restarts and a full recovery zone, with zero invariant violations."""

from .harness import main


def test_a_fixed_seed_sample_breaks_no_invariant(tmp_path, capsys):
    code = main(["--runs", "2", "--seed", "7", "--vms", "4", "--parallel", "2", "--dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0 and "| invariant violations           | 0 |" in out, out[-4000:]
    assert "| controller kills               | 0 |" not in out
