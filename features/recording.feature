Feature: Recording over HTTP
  As the Ceasefire police unit (or any institution holding a key in the ledger)
  we post signed statements to the ledger's web address,
  and get back where each one stands in the public log and the checkpoint that proves it,
  while anything forged, revoked or outside our role is refused with a clear problem.

  Background:
    Given a city with the Lyari and Kutchi Rabita groups, three persons, two officers and a shooting
    And the ledger is served over HTTP

  Scenario: A police recorder posts an arrest and gets its id and checkpoint
    When the police post the arrest of P-17 in case FIR-112-2026-KALAKOT and wait for a checkpoint
    Then the answer is 201 with the arrest's event id and its position in the log
    And the answer carries a signed checkpoint that includes the arrest
    And the inclusion proof served for the arrest verifies against that checkpoint

  Scenario: Posting the same arrest twice stores it once
    Given the police posted the arrest of P-17 in case FIR-112-2026-KALAKOT
    When the police post the very same statement again
    Then the answer is 200 with the same event id and position
    And the log holds the arrest once

  Scenario: A forged statement is refused with a clear problem
    When someone changes the arrested person to P-18 without re-signing and posts it
    Then the answer is a problem "invalid_signature" about the field "signature"
    And nothing was stored

  Scenario: A statement signed with a revoked key is refused
    Given the committee revoked the police key because it was lost
    When the police post the arrest of P-17 in case FIR-112-2026-KALAKOT
    Then the answer is a problem "revoked_key" about the field "key_id"
    And nothing was stored

  Scenario: An institution cannot record what its role does not allow
    When the interrupters post the arrest of P-17 in case FIR-112-2026-KALAKOT
    Then the answer is a problem "unauthorized_role" about the field "type"
    And nothing was stored

  Scenario: A statement signed with a wrong clock is refused
    When the police post an arrest signed 20 minutes before the server's time
    Then the answer is a problem "clock_skew" about the field "recorded_at"
    And nothing was stored

  Scenario: A batch is recorded all or nothing
    When the police post a batch of two arrests where the second names an unknown person
    Then the answer is a problem "unknown_reference" about item 1
    And nothing was stored
