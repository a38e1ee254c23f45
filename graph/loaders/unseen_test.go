package loaders

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// unseen keeps each key not in the memo once, in the order of first appearance, whether it
// tells keys apart by comparing them (few) or with a set (many).
func TestUnseen(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 2000 {
		memo := map[int]bool{}
		for range rng.IntN(10) {
			memo[rng.IntN(40)] = true
		}
		keys := make([]int, rng.IntN(4*smallBatch))
		for j := range keys {
			keys[j] = rng.IntN(40)
		}
		var want []int
		for _, k := range keys {
			if !memo[k] && k != 7 && !slices.Contains(want, k) {
				want = append(want, k)
			}
		}
		got := unseen(keys, memo, func(k int) bool { return k == 7 })
		if !slices.Equal(got, want) {
			t.Fatalf("case %d: unseen(%v) = %v, want %v", i, keys, got, want)
		}
	}
}
