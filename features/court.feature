Feature: The special court reads a case with proofs
  As the special court outside the city
  we read the whole history of a case across institutions from the ledger's API,
  check each event's inclusion proof against a signed checkpoint with the log's public key,
  and alone (with the committee) open the personal details sealed in it.

  Background:
    Given a city with the Lyari and Kutchi Rabita groups, three persons, two officers and a shooting
    And the ledger is served over HTTP
    And the police posted the arrest of P-17 in case FIR-112-2026-KALAKOT
    And the police posted that P-17 was produced before a magistrate in case FIR-112-2026-KALAKOT
    And the prosecution posted charges against P-17 in case FIR-112-2026-KALAKOT
    And a checkpoint was signed

  Scenario: The court reads a case history with a proof for every event
    When the court reads the history of case FIR-112-2026-KALAKOT
    Then it lists the arrest, the production and the charge in log order
    And every event's proof verifies against the checkpoint with the log's public key alone

  Scenario: The court verifies a proof file offline
    When the court downloads the tlog-proof of the arrest
    Then the proof verifies with the log's public key and the arrest as posted

  Scenario: Personal details stay sealed in what the API serves
    When the court reads the history of person P-17
    Then the person's registration carries a sealed part but not the name in clear
    And the court opens the sealed part with its own key and reads the name
