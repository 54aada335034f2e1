"""The Omniglot row of the benchmarks: its section replaces only itself in results.md."""

from benchmarks.omniglot_preset import HEADING, replace_section


def test_section_six_is_replaced_alone_or_appended():
    text = "# Benchmarks\n\n## 5. Scaling\n\nold 5\n\n" + HEADING + "\n\nold 6\n\n## 7. Later\n\nkeep\n"
    new = replace_section(text, [HEADING, "", "new 6", ""])
    assert new == "# Benchmarks\n\n## 5. Scaling\n\nold 5\n\n" + HEADING + "\n\nnew 6\n\n## 7. Later\n\nkeep\n"
    appended = replace_section("# B\n\n## 5. S\n\nx\n", [HEADING, "", "y", ""])
    assert appended == f"# B\n\n## 5. S\n\nx\n\n{HEADING}\n\ny\n"
