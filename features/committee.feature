Feature: The committee audits releases over HTTP
  As the citizens' committee
  we read the queue of releases the rules flagged, ask the police to explain,
  and record our finding, each action a statement signed with the committee's key,
  so that the public sees which releases nothing explains and what we concluded.

  Background:
    Given a city with the Lyari and Kutchi Rabita groups, three persons, two officers and a shooting
    And the ledger is served over HTTP
    And the police posted the arrest of P-17 in case FIR-112-2026-KALAKOT
    And the police posted the release of P-17 "on instructions" from "a provincial minister"

  Scenario: The committee lists flagged releases
    When the committee reads the audit queue of open flags
    Then the release of P-17 is flagged "release.on_instructions" in case FIR-112-2026-KALAKOT

  Scenario: The committee asks for an explanation and records a finding
    When the committee posts a request to the police to explain the release
    Then the flag on the release has status "explanation_requested"
    When the committee posts its finding that the release was "unlawful"
    Then the flag on the release has status "finding_recorded" with finding "unlawful"
    And the flag is still in the queue of all flags

  Scenario: Only the committee may record a finding
    When the police post a finding that their own release was "explained"
    Then the answer is a problem "unauthorized_role" about the field "type"
    And nothing was stored
