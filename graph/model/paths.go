package model

// Position and Participation implement Node (graph/paths.graphqls: `extend type … implements
// Node`), so that a path edge's `via: Node` can return the reified edge it goes through.
func (Position) IsNode()      {}
func (Participation) IsNode() {}
