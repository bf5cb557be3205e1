"""The pxelab binary's basic contract: help teaches, version answers, bad usage is 2."""
from conftest import run


def test_help_lists_subcommands_and_examples(pxelab_bin):
    r = run([pxelab_bin, "--help"])
    assert r.returncode == 0
    assert "network boot" in r.stdout
    for word in ("version", "bench", "Examples:"):
        assert word in r.stdout


def test_version_prints_version_and_commit(pxelab_bin):
    r = run([pxelab_bin, "version"])
    assert r.returncode == 0
    assert r.stdout.startswith("pxelab 0.")
    assert "commit" in r.stdout


def test_version_names_the_commit_it_was_built_from(pxelab_bin):
    # The commit is read at build time (cmake/git_commit.cmake), not at configure
    # time: after a commit and a rebuild, `pxelab version` names the new HEAD.
    from conftest import REPO
    head = run(["git", "-C", REPO, "rev-parse", "--short=12", "HEAD"])
    assert head.returncode == 0, head.stderr
    r = run([pxelab_bin, "version"])
    assert f"commit {head.stdout.strip()}," in r.stdout, (r.stdout, head.stdout)


def test_no_subcommand_is_a_usage_error(pxelab_bin):
    r = run([pxelab_bin])
    assert r.returncode == 2
    assert "subcommand" in r.stderr.lower()


def test_unknown_subcommand_is_a_usage_error(pxelab_bin):
    r = run([pxelab_bin, "frobnicate"])
    assert r.returncode == 2


def test_every_reporting_subcommand_says_it_writes_report_html(pxelab_bin):
    # issue 15: run, check, conform and replay each write one self-contained report.html.
    for sub in ("run", "check", "conform", "replay"):
        r = run([pxelab_bin, sub, "--help"])
        assert r.returncode == 0 and "report.html" in r.stdout, (sub, r.stdout)
