Feature: The public website tells a journalist whether promises were kept, equally, and lets her check it
  A journalist in Karachi reads the site built from the signed log. She wants to know whether the
  promise made to each group was kept, to read it in Urdu, and to check that what she reads is in
  the signed log without trusting the website.

  Background:
    Given the Lyari front and the Kemari dock gang were warned, and each was the subject of a shooting
    And the public site was built from the latest signed checkpoint

  Scenario: A journalist reads whether promises were kept per group
    When she opens the English home page
    Then she sees the number of promises kept and broken
    And the Kemari dock gang's promise is shown as kept, the unpursued attack on it as broken, and the Lyari front's as broken
    And the page names the checkpoint's tree size and root

  Scenario: A journalist switches to Urdu
    When she opens the English home page
    And she switches the language to Urdu
    Then the page is in Urdu and reads right to left

  Scenario: A journalist on her phone finds the Lyari front's flagged releases, in Urdu
    When she opens the Lyari front's page in Urdu on her phone
    And she follows the first month its flagged releases are counted in
    Then the month's page is set to the Lyari front and shows its flags, each with the law it breaks in Urdu
    And the page is no wider than her phone's screen

  Scenario: A journalist verifies a release in her browser
    When she opens the verify page for the release of the Lyari front's member
    Then the page says the event is valid
    When she changes the legal basis in the statement and verifies again
    Then the page says the event is invalid

  Scenario: A journalist checks the site's copy of the log on her own computer
    When she downloads the five files of the site's export as they are
    And she runs "ledger verify --export" on the directory
    Then it says the log is OK up to the site's checkpoint
    When a download of the compressed log is cut short and she runs the check again
    Then the check fails and names the damaged download
