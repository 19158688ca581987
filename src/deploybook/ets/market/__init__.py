"""An intertemporal cap-and-trade model of the EU ETS with banking and the MSR.

- :mod:`~deploybook.ets.market.regimes`: the cap, supply outside it and the MSR's rules;
- :mod:`~deploybook.ets.market.calibration`: demand and the phase-3 supply gap, fitted to data;
- :mod:`~deploybook.ets.market.equilibrium`: the Hotelling equilibrium, solved at each reform;
- :mod:`~deploybook.ets.market.scenarios`: the report's runs, the waterbed and its signs;
- :mod:`~deploybook.ets.market.validation`: the model against published prices, TNAC and
  invalidations.

The report's figures from these results are in :mod:`deploybook.ets.figures`.
"""
