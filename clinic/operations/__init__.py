"""Running a deployment: `flask doctor` and the `flask` commands that need no settings;
beat's leader lease and the heartbeats, what `/readyz` and the admins' operations page
report (stuck work, unknown deliveries), and the admins' actions there."""
