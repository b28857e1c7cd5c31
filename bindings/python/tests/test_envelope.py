"""容缺 pledges and 免跑腿 envelopes through the Python face, over HTTPS against the simulator: a
case waits for a pledge, the pledge is reviewed and signed, an envelope is made with the pickup
address the wallet offers, booked, scanned by the courier and received at the window. The
behaviour is tested in the core (core/tests/integration/envelope.rs); this tests the glue."""
import asyncio

import pytest

import citykit
from test_journey import filled_form, logged_in, sim  # noqa: F401  (sim is the fixture)

# Rents, so the residence permit lacks a proof of residence, a material it tolerates (容缺).
CITIZEN = "citizen-05"
PLEDGE_ITEM = "residence-permit"


def test_a_pledged_material_travels_in_an_envelope_from_the_door_to_the_window(sim, tmp_path):  # noqa: F811
    async def run():
        client = await logged_in(sim, tmp_path, key=0x51, user=CITIZEN)
        await client.wallet().fetch_licences()
        await client.catalogue().sync()
        cases = client.cases()

        # Submitted without the tolerated material: the case waits for the pledge.
        form = await filled_form(client, PLEDGE_ITEM)
        outcome = await cases.submit(form.draft_id)
        assert isinstance(outcome, citykit.SubmissionOutcome.ACCEPTED), type(outcome)
        case = outcome.case
        assert case.status == citykit.CaseStatus.AWAITING_PLEDGE
        assert isinstance(case.pledge, citykit.CasePledge) and case.pledge.signed_at is None
        review = await cases.review_pledge(case.id)
        assert isinstance(review, citykit.PledgeReview)
        assert review.case_id == case.id and [m.id for m in review.materials] == ["residence-proof"]
        signed = await cases.sign_pledge(case.id, review.pledge_sha256)
        assert signed.status == citykit.CaseStatus.AWAITING_MATERIAL and signed.pledge.signed_at is not None

        # The envelope, picked up at the address the wallet offers.
        envelopes = client.envelopes()
        offer = await envelopes.pickup_address_from_wallet()
        assert isinstance(offer, citykit.PickupAddressOffer) and isinstance(offer.address, citykit.Personal)
        address = offer.address.expose()
        envelope = await envelopes.create(case.id, offer.address)
        assert isinstance(envelope, citykit.Envelope) and envelope.case_id == case.id
        assert envelope.status == citykit.EnvelopeStep.CREATED and envelope.code.startswith("CKE1:")
        assert envelope.pickup_address == offer.address and envelope.materials == review.materials
        # Printed, the envelope shows no pickup address: str() shows a redaction in its place
        # (the generated records' repr() shows no fields at all).
        for text in (repr(envelope), str(envelope)):
            leaked = address in text
            assert not leaked, "the pickup address shows in a printed Envelope"
        assert f"pickup_address={citykit.REDACTED}" in str(envelope)

        # Booked by scanning the code, then scanned by the courier at the door and at the window.
        booked = await envelopes.request_pickup(envelope.code, None)
        assert booked.status == citykit.EnvelopeStep.PICKUP_SCHEDULED and booked.pickup.slot_end > booked.pickup.slot_start
        courier = client.courier()
        picked_up = await courier.scan(envelope.code)
        assert isinstance(picked_up, citykit.CourierScan) and picked_up.envelope_id == envelope.id
        assert picked_up.status == citykit.EnvelopeStep.IN_TRANSIT
        assert (await courier.scan(envelope.code)).status == citykit.EnvelopeStep.DELIVERED

        # The window checks codes offline against the platform's document and receives it once.
        window = client.envelope_window(await envelopes.fetch_trust())
        claims = window.verify(envelope.code, None)
        assert isinstance(claims, citykit.EnvelopeClaims) and claims.envelope_id == envelope.id
        receipt = await window.receive(envelope.code, None)
        assert isinstance(receipt, citykit.EnvelopeReceipt)
        assert (receipt.case_id, receipt.envelope_id, receipt.already_received) == (case.id, envelope.id, False)
        again = await window.receive(envelope.code, None)
        assert again.already_received and again.received_at == receipt.received_at

        # A code changed after the prefix is refused.
        body = envelope.code[len("CKE1:"):]
        at = len(body) // 2
        tampered = "CKE1:" + body[:at] + ("B" if body[at] == "A" else "A") + body[at + 1:]
        with pytest.raises(citykit.CityKitError) as err:
            window.verify(tampered, None)
        assert err.value.code() in ("envelope.malformed", "envelope.bad_signature"), err.value.code()
        assert err.value.domain() == citykit.ErrorDomain.ENVELOPE

        # The timeline, oldest first, and the same envelope stored for offline use.
        S = citykit.EnvelopeStep
        timeline = await envelopes.timeline(envelope.id)
        assert all(isinstance(e, citykit.EnvelopeEvent) for e in timeline)
        assert [e.kind for e in timeline] == [S.CREATED, S.PICKUP_SCHEDULED, S.PICKED_UP, S.IN_TRANSIT, S.DELIVERED, S.RECEIVED]
        assert (await envelopes.envelope(envelope.id)).status == S.RECEIVED
        stored = await envelopes.stored_envelope(envelope.id)
        assert stored.events == timeline and stored.pickup_address == offer.address
        assert [e.id for e in await envelopes.stored_envelopes()] == [envelope.id]
        inbox = await cases.inbox()
        assert any(i.kind == citykit.InboxKind.ENVELOPE_EVENT and i.envelope_id == envelope.id for i in inbox)

        # The label and the code for a screen, as SVG.
        assert "<svg" in await envelopes.label_svg(envelope.id)
        assert (await envelopes.screen_svg(envelope.id, 300)).startswith("<svg")

    asyncio.run(run())
