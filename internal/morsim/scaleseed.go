package morsim

import "fmt"

// Ids of what ScaleSeed adds: location ScaleLocationBase+i (i from 1), DID
// ScaleDIDBase+i (i from 1). They leave room for DefaultSeed's own.
const (
	ScaleLocationBase = 100
	ScaleDIDBase      = 1000
)

// Scale is what ScaleSeed adds to DefaultSeed.
type Scale struct {
	Locations        int // admin's locations
	RulesPerLocation int // hand-made rules in each of them
	DIDs             int // admin's DIDs, with rate details
}

// ScaleSeed returns DefaultSeed plus the admin's locations ScaleLocationBase+1..+Locations
// ("Scale location i"), each holding RulesPerLocation hand-made dst rules (cut "8<j>",
// add "+", names "Hand-made rule <i>-<j>"; a scale benchmark's own rules must not use
// cuts starting with 8), and the admin's DIDs ScaleDIDBase+1..+DIDs (numbers
// "3709<i, 7 digits>", unique on the server so a DID resolves by number; provider
// tariff 1, owner tariff 2). A real MOR holds thousands of rules nobody manages; the
// operator must not pay for them.
func ScaleSeed(sc Scale) Seed {
	seed := DefaultSeed()
	st := &seed.State
	for i := 1; i <= sc.Locations; i++ {
		loc := int64(ScaleLocationBase + i)
		st.Locations[loc] = &Location{ID: loc, Name: fmt.Sprintf("Scale location %d", i), Owner: "admin"}
		for j := 1; j <= sc.RulesPerLocation; j++ {
			id := st.NextRuleID
			st.NextRuleID++
			st.Rules[id] = &Rule{
				ID: id, LocationID: loc, Name: fmt.Sprintf("Hand-made rule %d-%d", i, j), Enabled: 1,
				LrType: LrTypeDst, Cut: fmt.Sprintf("8%d", j), Add: "+", MinLen: 1, MaxLen: 99,
				SrcMinLen: 1, SrcMaxLen: 99,
			}
		}
	}
	for i := 1; i <= sc.DIDs; i++ {
		id := int64(ScaleDIDBase + i)
		st.DIDs[id] = &DID{
			ID: id, Number: fmt.Sprintf("3709%07d", i), Owner: "admin", ProviderTariffID: 1, OwnerTariffID: 2,
		}
	}
	return seed
}
