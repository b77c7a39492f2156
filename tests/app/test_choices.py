"""The pickers' lists of localities, in Vietnamese order."""

import pandas as pd

from kpi.app import choices, overview


def localities() -> pd.DataFrame:
    return pd.DataFrame({
        "code": ["HP", "CVA", "CL", "DH", "DK"],
        "name": ["thành phố Hải Phòng", "phường Chu Văn An", "phường Chí Linh", "xã Đông Hải", "xã Dương Kinh"],
        "parent_code": [None, "HP", "HP", "HP", "HP"],
        "plan_code": [None, "P", "P", "P", "P"],
    })


def test_localities_with_a_plan_are_offered_in_vietnamese_order():
    assert choices.with_plan(localities())["name"].tolist() == [
        "phường Chí Linh", "phường Chu Văn An", "xã Dương Kinh", "xã Đông Hải"]


def test_hierarchy_order_puts_the_top_first_then_names_in_vietnamese_order():
    assert choices.hierarchy_order(localities())["code"].tolist() == ["HP", "CL", "CVA", "DK", "DH"]


def test_scopes_offered_in_vietnamese_order():
    frame = pd.concat([localities(), pd.DataFrame({"code": ["X1", "X2"], "name": ["xã Con", "xã Con 2"],
                                                   "parent_code": ["CVA", "CL"], "plan_code": ["P", "P"]})])
    assert overview.parent_options(frame)["code"].tolist() == ["HP", "CL", "CVA"]
