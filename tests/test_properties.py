"""Property-based tests: whatever the input, check, diagnose and simulate answer, in valid JSON, the same
way twice, with every document accounted for and nothing unsafe printed. tests/fuzz/fuzz.py runs the
same properties for much longer."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from properties import (broken_text, check_diagnose_well_behaved, check_simulate_well_behaved, check_well_behaved,
                        hostile_inputs, kubectl_output, objects, rendered, streams)

# A few hundred examples each keep the whole module near a minute in CI.
CI = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@CI
@given(streams())
def test_valid_objects_are_read_and_checked_clean(stream):
    documents, text = stream
    report = check_well_behaved([text.encode()])
    assert report["summary"]["documents"] == report["summary"]["checked"] == len(documents)
    loader_or_schema = [f for f in report["findings"] if f["rule"].split("/")[0] in ("input", "yaml", "schema")]
    assert loader_or_schema == []


@CI
@given(st.lists(hostile_inputs(), min_size=1, max_size=3), hostile_inputs() | st.none())
def test_any_input_keeps_the_promises(files, stdin):
    check_well_behaved(files, stdin)


@CI
@given(objects().flatmap(lambda o: rendered([o])).flatmap(broken_text), streams())
def test_a_broken_document_does_not_hide_the_next(broken, stream):
    broken = broken.replace("\0", "")  # a NUL early in a file makes the whole file binary, by design
    documents, valid = stream
    text = broken + "\n---\n" + valid
    report = check_well_behaved([text.encode()])
    first_valid_line = text.count("\n", 0, len(broken) + 5) + 1
    later = [f for f in report["findings"] if f["line"] >= first_valid_line]
    assert [f for f in later if f["rule"].split("/")[0] in ("input", "yaml", "schema")] == []
    assert report["summary"]["checked"] >= len(documents)


@CI
@given(st.lists(kubectl_output() | hostile_inputs(), min_size=1, max_size=3))
def test_diagnose_on_any_input_keeps_the_promises(inputs):
    check_diagnose_well_behaved(inputs)


@CI
@given(st.lists(hostile_inputs() | streams().map(lambda stream: stream[1].encode()), min_size=1, max_size=3))
def test_simulate_on_any_input_keeps_the_promises(inputs):
    check_simulate_well_behaved(inputs)
