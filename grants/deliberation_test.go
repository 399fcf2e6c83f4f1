package grants

import "testing"

// TestQuorum: whether the votes counted reach the quorum, or the members
// who may still vote can bring it, or not even they can.
func TestQuorum(t *testing.T) {
	for _, c := range []struct {
		need, counted, outstanding int
		want                       QuorumState
		missing                    int
	}{
		{3, 0, 3, QuorumReachable, 3},
		{3, 3, 0, QuorumReached, 0},
		{3, 4, 0, QuorumReached, 0},
		{3, 2, 1, QuorumReachable, 1},
		{3, 2, 0, QuorumUnreachable, 1}, // three members, one conflict, two voted
		{3, 0, 2, QuorumUnreachable, 3}, // three members, one conflict, none voted
		{1, 0, 0, QuorumUnreachable, 1},
	} {
		got, missing := quorum(c.need, c.counted, c.outstanding)
		if got != c.want || missing != c.missing {
			t.Errorf("quorum(%d, %d, %d) = %s, %d; want %s, %d", c.need, c.counted, c.outstanding, got, missing, c.want, c.missing)
		}
	}
}
