Feature: Detecting a tampered database
  As the citizens' committee auditing the ledger,
  I need to know when anyone, the server's operator included, edits, deletes, reorders
  or inserts records behind the program's back, and which event was touched.

  Background:
    Given a ledger holding a charter and eight appointments and removals of heads
    And a checkpoint was signed at every step

  Scenario: An edited record is named
    When the operator edits the reason of the event at position 3 directly in the database
    Then verifying the ledger fails
    And the report names the event at position 3

  Scenario: A deleted record is found
    When the operator deletes the record at position 4 directly in the database
    Then verifying the ledger fails
    And the report says positions are missing from position 4

  Scenario: The verify command exits with an error
    When the operator edits the reason of the event at position 5 directly in the database
    Then the verify command exits with a non-zero code and names the event
