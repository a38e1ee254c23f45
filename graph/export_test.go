package graph

// PlanCounts reports how many operations the compiled read path answered and how many it gave
// back to gqlgen's executor, since the process started (graph/plan.go).
func PlanCounts() (answered, givenBack int64) {
	return planAnswered.Load(), planGivenBack.Load()
}
