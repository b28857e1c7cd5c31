"""Recommendations and policy campaigns through the Python face, over HTTPS against the
simulator: the ranked list from the platform's published (anonymous) statistics, a dismissal
("not for me") and its error for an unknown service, a view as an interest, and a campaign matched
on the device with the fact that made it apply, that fact's value redacted when printed. The
behaviour is tested in the core (core/tests/integration/recommend.rs); this tests the glue."""
import asyncio
import datetime
import json
import ssl
import urllib.request

import pytest

import citykit
from test_journey import logged_in, sim  # noqa: F401  (sim is the fixture)

POPULAR_ITEM = "passport-application"
VIEWED_ITEM = "dog-registration"
# Born 1958-10-01, with a vehicle (test-fixtures): the default campaign for residents aged 65 and
# over (rule age >= 65, test-fixtures/data/campaigns.json) applies.
SENIOR = "citizen-03"


def _age_today(birth: str = "1958-10-01") -> int:
    """Whole years since `birth` today, China time (as the core computes it)."""
    today = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()
    year, month, day = (int(p) for p in birth.split("-"))
    return today.year - year - ((today.month, today.day) < (month, day))


SENIOR_AGE = str(_age_today())
SENIOR_CAMPAIGN = "senior-transport-allowance-2026"
# Enough for the whole catalogue: "not listed" means not listed at all.
EVERYTHING = 1000


def publish_next_steps(sim, stats):  # noqa: F811
    """POST /sim/next-steps: what GET /api/v1/recommend/next-steps serves from now on."""
    context = ssl.create_default_context(cafile=sim.ca_file)
    request = urllib.request.Request(
        f"{sim.url}/sim/next-steps", data=json.dumps(stats).encode(), headers={"content-type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, context=context) as response:
        assert response.status == 200, response.status


async def ready(sim, data_dir, key, user):  # noqa: F811
    """Logged in, the licences fetched and the catalogue synced: what recommending reads."""
    client = await logged_in(sim, data_dir, key=key, user=user)
    await client.wallet().fetch_licences()
    await client.catalogue().sync()
    return client


def test_popular_services_are_listed_and_one_not_for_me_is_not_listed_again(sim, tmp_path):  # noqa: F811
    async def run():
        publish_next_steps(
            sim,
            {
                "min_contributors": 20,
                "transitions": [],
                "popularity": [{"item": POPULAR_ITEM, "count": 400}, {"item": "hk-macau-permit", "count": 300}],
                "repeats": [],
                "segments": [],
            },
        )
        client = await ready(sim, tmp_path, 0x60, "citizen-01")
        recommend = client.recommend()
        assert isinstance(recommend, citykit.RecommendClient)

        listed = await recommend.recommend(30)
        assert listed and len(listed) <= 30, len(listed)
        assert all(isinstance(r, citykit.Recommendation) and isinstance(r.reason, citykit.ReasonKind) for r in listed)
        popular = next((r for r in listed if r.item_id == POPULAR_ITEM), None)
        assert popular is not None, [str(r) for r in listed]
        assert popular.reason == citykit.ReasonKind.POPULAR, str(popular)
        assert popular.reason_zh and popular.reason_en, str(popular)
        assert popular.name_en == "Ordinary passport" and isinstance(popular.score, float), str(popular)

        await recommend.dismiss(POPULAR_ITEM, citykit.Dismissal.NOT_FOR_ME)
        assert POPULAR_ITEM not in [r.item_id for r in await recommend.recommend(EVERYTHING)]

        with pytest.raises(citykit.CityKitError) as err:
            await recommend.dismiss("no-such-service", citykit.Dismissal.NOT_FOR_ME)
        assert (err.value.code(), err.value.domain()) == ("recommend.unknown_item", citykit.ErrorDomain.RECOMMEND)

    asyncio.run(run())


def test_a_service_looked_at_is_listed_as_an_interest(sim, tmp_path):  # noqa: F811
    async def run():
        recommend = (await ready(sim, tmp_path, 0x61, "citizen-01")).recommend()
        before = await recommend.recommend(EVERYTHING)
        assert not any(r.item_id == VIEWED_ITEM and r.reason == citykit.ReasonKind.INTEREST for r in before)

        await recommend.record_view(VIEWED_ITEM)
        viewed = next((r for r in await recommend.recommend(EVERYTHING) if r.item_id == VIEWED_ITEM), None)
        assert viewed is not None, "the viewed service is listed"
        assert viewed.reason == citykit.ReasonKind.INTEREST, str(viewed)

    asyncio.run(run())


def test_a_campaign_says_which_fact_made_it_apply_and_prints_that_fact_redacted(sim, tmp_path):  # noqa: F811
    async def run():
        matches = await (await ready(sim, tmp_path, 0x62, SENIOR)).recommend().campaigns()
        assert all(isinstance(m, citykit.CampaignMatch) for m in matches)
        senior = next((m for m in matches if m.campaign_id == SENIOR_CAMPAIGN), None)
        assert senior is not None, [m.campaign_id for m in matches]
        assert len(senior.because) == 1, [f.fact for f in senior.because]
        fact = senior.because[0]
        assert isinstance(fact, citykit.FactValue) and fact.fact == "age"
        assert isinstance(fact.value, citykit.Personal) and fact.value.expose() == SENIOR_AGE

        # Printed, the value is redacted.
        assert str(fact) == f"FactValue(fact=age, value={citykit.REDACTED})", str(fact)
        assert SENIOR_AGE not in str(fact) and SENIOR_AGE not in repr(fact), repr(fact)
        assert SENIOR_AGE not in repr(senior), repr(senior)
        # str() shows the campaign's end, public Unix seconds (1830268800) whose digits happen to
        # contain 68: with that field left out, the age shows nowhere in the printed match.
        printed = str(senior)
        assert f"until={senior.until}" in printed, printed
        assert SENIOR_AGE not in printed.replace(f"until={senior.until}", "until=…"), printed

    asyncio.run(run())
