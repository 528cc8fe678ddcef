Feature: Recording signed events
  As the Ceasefire police unit, the prosecutors, the court registry or the violence interrupters,
  we record what happened as statements signed with our own institution's key,
  so that nobody can later claim we said something else, and nobody can speak in our name.

  Background:
    Given the ledger was chartered by the citizens' committee with the police, prosecution, court and interrupters

  Scenario: The committee records the appointment of the department's head
    When the committee signs and records that H-7 was appointed head on 1 March 2026
    Then the statement is in the log at position 1
    And its event id is the hash of its content

  Scenario: A forged statement is refused
    Given the committee signed the appointment of H-7
    When someone changes the appointed head to H-666 without re-signing it and submits it
    Then it is refused because the signature does not verify
    And the log still holds 1 event

  Scenario: A statement from a revoked key is refused, earlier statements stay valid
    Given the observers' key was registered and they recorded the appointment of H-7
    And the committee revoked the observers' key because it was lost
    When the observers sign and submit the removal of H-7
    Then it is refused because the key was revoked
    And verifying the whole ledger passes

  Scenario: An institution cannot record what its role does not allow
    When the police sign and submit the appointment of a new head
    Then it is refused because only the committee may record head.appointed
    And the log still holds 1 event

  Scenario: The same statement is never recorded twice
    Given the committee signed the appointment of H-7
    And it was recorded
    When the same statement is submitted again
    Then it is refused as a replay
    And the log still holds 2 events
