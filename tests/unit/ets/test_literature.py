"""The literature table cites what the bibliography holds."""

from __future__ import annotations

from deploybook.ets.literature import STUDIES, literature_table
from deploybook.paths import project_root


def test_every_study_is_in_the_bibliography_with_its_estimate() -> None:
    bib = (project_root() / "book" / "references.bib").read_text(encoding="utf-8")
    for study in STUDIES:
        assert f"{{{study.key}," in bib, study.key
    table = literature_table()
    assert list(table.columns) == ["study", "design", "estimate", "comparison"]
    estimates = dict(zip([s.key for s in STUDIES], table["estimate"], strict=True))
    # the headline numbers as the stored pages give them (issue 16 asks for each estimate)
    assert "1.2 Gt" in estimates["bayer2020ets"]
    assert "3.8%" in estimates["bayer2020ets"]
    assert "-10%" in estimates["dechezlepretre2023ets"]
    assert "10%" in estimates["calel2016ets"]
    assert "1%" in estimates["calel2016ets"]
    assert "no pooled estimate" in estimates["lilliestam2021carbon"]
