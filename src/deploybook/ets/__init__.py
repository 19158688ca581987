"""Report 4: the EU ETS and renewable deployment.

Data loaders, fuel switching, a market model with banking and the MSR, a panel estimate.
"""
