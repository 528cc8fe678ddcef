Feature: Witnesses keep the operator to one history
  As the citizens' committee and the press, we keep our own copy of the ledger and
  cosign its checkpoints only when each one extends the last, so that the operator
  cannot rewrite history, nor show the court one history and the public another.

  Background:
    Given the committee and the press witness the ledger
    And the ledger holds a charter and 4 appointments and removals of heads
    And the committee and the press cosigned the checkpoint at size 5

  Scenario: A checkpoint that extends the history is cosigned and published
    When 2 more events are recorded and the operator publishes
    Then the committee and the press cosign the checkpoint at size 7
    And the published checkpoint carries both cosignatures

  Scenario: The operator shows the court a different history
    When the operator shows the court a different history that branches off at size 3
    Then the witnesses refuse to cosign and keep both checkpoints as evidence
    And nothing new is published
    And the two checkpoints in the evidence are signed by the log for different histories

  Scenario: A mirror is shown a different history
    Given the press keeps a mirror of the ledger
    When the operator serves a different history to the mirror
    Then the mirror raises the alarm naming both checkpoints
    And the mirror keeps the history it verified
