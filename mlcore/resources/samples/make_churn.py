"""Generate mlcore/resources/samples/churn.csv: a synthetic but realistic customer-churn table.

Run once: ``python mlcore/resources/samples/make_churn.py``. The seed is fixed, so the output is
reproducible; the CSV is committed so the app never needs to run this.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20240517
ROWS = 1000


def make_churn(rows: int = ROWS, seed: int = SEED) -> pd.DataFrame:
    """Customers with a signup date, plan, usage and support history; churn depends on them."""
    rng = np.random.default_rng(seed)
    signup = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 3 * 365, rows), unit="D")
    plan = rng.choice(["basic", "standard", "premium"], rows, p=[0.5, 0.35, 0.15])
    fee = np.select([plan == "basic", plan == "standard"], [9.99, 19.99], 34.99)
    region = rng.choice(["north", "south", "east", "west"], rows, p=[0.3, 0.25, 0.25, 0.2]).astype(object)
    contract = rng.choice(["monthly", "annual"], rows, p=[0.65, 0.35])
    usage = np.round(rng.gamma(2.0, 12.0, rows) * np.select([plan == "basic", plan == "standard"], [0.7, 1.0], 1.5), 1)
    calls = rng.poisson(1.2, rows)
    auto_renew = rng.random(rows) < np.where(contract == "annual", 0.8, 0.45)
    tenure_days = (pd.Timestamp("2024-01-01") - signup).days.to_numpy()
    logit = (
        -0.6
        + 0.55 * calls
        - 0.045 * usage
        + np.where(contract == "monthly", 1.1, -0.9)
        - 0.9 * auto_renew
        - 0.0012 * tenure_days
        + np.where(plan == "premium", -0.4, 0.0)
    )
    churned = rng.random(rows) < 1 / (1 + np.exp(-logit))
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{10000 + i}" for i in range(rows)],
            "signup_date": signup.strftime("%Y-%m-%d"),
            "plan": plan,
            "region": region,
            "contract": contract,
            "monthly_fee": fee,
            "usage_hours": usage.astype(float),
            "support_calls": calls,
            "auto_renew": np.where(auto_renew, "yes", "no"),
            "churned": np.where(churned, "yes", "no"),
        }
    )
    # realistic gaps: usage not tracked for some customers, region unknown for a few
    frame.loc[rng.random(rows) < 0.06, "usage_hours"] = np.nan
    frame.loc[rng.random(rows) < 0.04, "region"] = None
    return frame


if __name__ == "__main__":
    out = Path(__file__).with_name("churn.csv")
    make_churn().to_csv(out, index=False)
    print(f"wrote {out}")
