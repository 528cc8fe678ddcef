Feature: Reading a report page by page
  As a journalist reading the ledger's reports on a phone,
  I want a report's figures and the events behind them in pages small enough to load,
  each page naming the signed state of the log it comes from,
  so that I never join figures of two states without knowing.

  Background:
    Given a city with the Lyari and Kutchi Rabita groups, three persons, two officers and a shooting
    And the Lyari group was warned, the shooting attributed to P-17 and P-17 arrested
    And a checkpoint was signed over the city
    And the ledger is served over HTTP

  Scenario: The pages of the events behind the groups' figures join into the whole list
    When I read the events behind the groups' rows two at a time, following the next links
    Then I have read every event the whole groups report names for its rows, in its order
    And every page names the tree size and root of the latest checkpoint

  Scenario: A page of a state the log has left is refused
    Given I read the first page of the events behind the groups' rows, two at a time
    When the police record the arrest of P-18 in case FIR-7-2026-LYARI
    And I follow the next link
    Then I am told the report has moved on, with the log's new tree size
    And the first page, read again, names the new tree size
