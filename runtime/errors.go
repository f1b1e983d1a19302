package runtime

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors; an *Error wraps one of them, so callers can use errors.Is.
var (
	// ErrNotFound: no widget of that name is loaded.
	ErrNotFound = errors.New("widget not found")
	// ErrTimeout: the call ran past its time limit and was interrupted.
	ErrTimeout = errors.New("time limit exceeded")
	// ErrStackOverflow: the call recursed deeper than the runtime allows.
	ErrStackOverflow = errors.New("call stack too deep")
	// ErrOutputTooLarge: the result is larger than the output cap.
	ErrOutputTooLarge = errors.New("output too large")
	// ErrThrown: the widget's JavaScript threw (or its promise rejected).
	ErrThrown = errors.New("widget threw")
	// ErrContract: the widget file does not follow the widget contract (a
	// missing or mistyped member, a bad param declaration, a bad return value).
	ErrContract = errors.New("widget contract violated")
	// ErrCompile: the file (or a file it imports) does not parse or bundle.
	ErrCompile = errors.New("widget does not compile")
	// ErrFetch: ctx.fetch refused or failed a request.
	ErrFetch = errors.New("fetch refused")
	// ErrClosed: the runtime was closed.
	ErrClosed = errors.New("runtime closed")
)

// Error is a failure of one widget function: which widget, which function
// ("load", "data", "template", "shouldInvalidate", "params.<name>.validate",
// "hints.usernames"), where in the ORIGINAL source (File:Line:Col, through the
// bundle's source map), the message, and the JavaScript stack when there is one.
type Error struct {
	Widget   string
	Function string
	File     string
	Line     int
	Col      int
	Message  string
	Stack    string
	Err      error
}

// Pos is "file:line:col" (or just "file" when the line is unknown), the form
// editors and `hubs widget check` print.
func (e *Error) Pos() string {
	if e.File == "" {
		return ""
	}
	if e.Line == 0 {
		return e.File
	}
	return fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Col)
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("widget ")
	b.WriteString(e.Widget)
	if e.Function != "" {
		b.WriteString(": ")
		b.WriteString(e.Function)
	}
	if p := e.Pos(); p != "" {
		b.WriteString(": ")
		b.WriteString(p)
	}
	b.WriteString(": ")
	b.WriteString(e.Message)
	if e.Stack != "" {
		b.WriteString("\n")
		b.WriteString(e.Stack)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }
