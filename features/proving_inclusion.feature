Feature: Proving inclusion to a journalist
  As a journalist who read about a release on the public site,
  I want a proof that the release record is in the log the ledger signed,
  checkable with only the log's public key, so I need not trust the server.

  Background:
    Given a ledger holding a charter and twenty appointments and removals of heads
    And a checkpoint was signed

  Scenario: A proof for a record verifies with the log's public key
    When I ask for a proof that the record at position 11 is in the log
    Then I receive a C2SP tlog-proof for position 11
    And it verifies with the log's public key against the record's text

  Scenario: A proof does not verify for an altered record
    When I ask for a proof that the record at position 11 is in the log
    And I alter one word of the record's text
    Then the proof does not verify

  Scenario: A newer checkpoint extends the one I saw before
    Given I kept the checkpoint of size 21
    When ten more records are added and a new checkpoint is signed
    Then the consistency proof from 21 to 31 verifies between the two signed roots
