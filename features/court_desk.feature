Feature: The court reads a case at its own desk
  As the special court outside the city
  we read a case's whole history in our own browser, check every statement
  against the signed checkpoint with the log's key we hold,
  and open the sealed names with our own key,
  so that neither our key nor the names ever reach the server;
  and we record our hearings, orders and verdicts there, signed with our own key.

  Background:
    Given P-17, whose name is sealed, was arrested, produced before a magistrate and charged in case FIR-112-2026-KALAKOT
    And the ledger is served with the court's desk

  Scenario: Every statement of the case is checked in the court's browser
    When the court reads case FIR-112-2026-KALAKOT at its desk with the log's key
    Then the arrest, the production and the charge are shown in log order
    And every statement is marked as in the signed log

  Scenario: The court reads the name, and the server never sees it
    When the court reads person P-17 at its desk with the log's key and its sealing key
    Then the court sees the name sealed in P-17's registration
    And no request from the desk carried the name or the court's key

  Scenario: The court's sealing key is protected by a passphrase
    When the court reads person P-17 at its desk with its sealing key and the key's passphrase
    Then the court sees the name sealed in P-17's registration
    And no request from the desk carried the name or the court's key

  Scenario: The court records a hearing, and the hearing is in the signed log
    Given the court opens its signing key at its desk
    When the court records that evidence was heard in case FIR-112-2026-KALAKOT
    Then the hearing is in the log, signed with the court's key, and verifies against a signed checkpoint
    And when the court reads case FIR-112-2026-KALAKOT again, the hearing is marked as in the signed log

  Scenario: A server that changes a proof is caught
    Given the server changes a proof in what it sends
    When the court reads case FIR-112-2026-KALAKOT at its desk with the log's key
    Then the desk says that statements could not be checked and must not be relied on
