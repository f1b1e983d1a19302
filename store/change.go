package store

// ChangeKind says what sort of thing a Change is about.
type ChangeKind string

// The kinds of change the store announces.
const (
	ChangeHub    ChangeKind = "hub"    // a hub was created or its fields changed
	ChangeWidget ChangeKind = "widget" // a widget was created, reconfigured, moved or deleted
	ChangeRole   ChangeKind = "role"   // someone gained or lost a role on a hub
)

// Change describes one committed write to hubs, widgets or roles. The engine turns these into
// hubs.hub.update / hubs.widget.update messages on the same path as bus messages.
type Change struct {
	Kind     ChangeKind
	Hub      string
	WidgetID int64  // for ChangeWidget
	Username string // for ChangeRole
	Role     Role   // for ChangeRole
	Deleted  bool   // the widget was deleted, or the role removed
}

// OnChange registers fn to be called after every committed change, in commit order, on the
// goroutine that made the write. fn must be quick and must not write to the store; hand the
// change to a channel or queue if there is real work to do.
func (s *Store) OnChange(fn func(Change)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.listeners = append(s.listeners, fn)
}

func (s *Store) announce(c Change) {
	s.mu.RLock()
	listeners := s.listeners
	s.mu.RUnlock()
	for _, fn := range listeners {
		fn(c)
	}
}
