"""Parameters of the ETS report, validated before any computation."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from deploybook.params import ReportParams


class EtsParams(ReportParams):
    """What a run of ``notebooks/ets_renewables.ipynb`` may change."""

    report: ClassVar[str] = "ets_renewables"

    first_year: int = Field(ge=2005, le=2023, description="first year of the descriptive charts")
    last_year: int = Field(ge=2006, le=2024, description="last year of the descriptive charts")
    countries: list[str] = Field(description="ISO3 codes in the country charts; empty: all")
    discount_rate: float = Field(gt=0, lt=0.5, description="market model discount rate")
    lrf_2024_pct: float = Field(ge=0, le=10, description="linear reduction factor 2024-2027, %")
    lrf_2028_pct: float = Field(ge=0, le=10, description="linear reduction factor from 2028, %")
    msr_enabled: bool = Field(description="model the Market Stability Reserve")
    renewables_speedup: float = Field(
        ge=0, lt=0.2, description="extra yearly fall of baseline emissions from 2025"
    )
    renewables_news_year: int = Field(
        ge=2013, le=2040, description="year the market learns of faster renewables (2013: always)"
    )
    foresight: Literal["rolling", "perfect"] = Field(
        description="rolling: each reform priced when adopted; perfect: 2023 rules known in 2013"
    )
    ff55_information_year: int = Field(ge=2019, le=2024, description="year Fit for 55 is priced")
    outcome: Literal["capacity", "renewables_share", "wind_solar_share"]
    exposure: Literal["carbon_intensity", "coal_share"]
    price_lag: int = Field(ge=0, le=3)
    country_trends: bool
    fuel_controls: bool
    claim_window_start: int = Field(ge=2006, le=2019)
    claim_window_end: int = Field(ge=2006, le=2019)
    errors: Literal["clustered", "driscoll_kraay"] = Field(
        description="standard errors of the panel estimate"
    )
    bootstrap_draws: int = Field(ge=99, le=9999)
    randomization_draws: int = Field(ge=19, le=9999)

    @model_validator(mode="after")
    def _ordered(self) -> EtsParams:
        if self.first_year >= self.last_year:
            raise ValueError("first_year must be before last_year")
        if self.claim_window_start > self.claim_window_end:
            raise ValueError("claim_window_start must not be after claim_window_end")
        bad = [c for c in self.countries if len(c) != 3 or not c.isupper()]
        if bad:
            raise ValueError(f"countries must be ISO3 codes such as 'DEU'; got {bad}")
        return self
