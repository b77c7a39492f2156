"""What the pickers of the pages offer: localities with a plan, localities in hierarchy order."""

import pandas as pd

from kpi import formatting as fmt


def with_plan(localities: pd.DataFrame) -> pd.DataFrame:
    """Localities that follow a plan (the ones figures are entered, uploaded and approved for), by name."""
    return localities[localities["plan_code"].notna()].sort_values("name", key=fmt.by_name("name"))


def hierarchy_order(localities: pd.DataFrame) -> pd.DataFrame:
    """The top of the hierarchy first, then localities grouped under their parent, by name."""
    return localities.sort_values(["parent_code", "name"], na_position="first", key=fmt.by_name("name"))
