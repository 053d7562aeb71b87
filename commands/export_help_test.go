package commands

// CommandsFor lists the command table's commands by who may use them
// ("anyone", "staff", "manager", "company"; binding is a manager's), for the
// tests that help names every one.
func CommandsFor() map[string][]string {
	names := map[access]string{anyone: "anyone", staff: "staff", manager: "manager", binder: "manager", company: "company"}
	out := map[string][]string{}
	for cmd, sp := range specs {
		out[names[sp.access]] = append(out[names[sp.access]], string(cmd))
	}
	return out
}
