package output

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// Level is a console log level, set by az's global flags.
type Level int

// The levels, from quietest to loudest.
const (
	LevelError   Level = 1 // --only-show-errors
	LevelWarning Level = 2 // default
	LevelInfo    Level = 3 // --verbose
	LevelDebug   Level = 4 // --debug
)

// LevelFromFlags is knack's _determine_log_level. --only-show-errors with
// --verbose or --debug is an error (az prints it and exits 1).
func LevelFromFlags(onlyShowErrors, verbose, debug bool) (Level, error) {
	switch {
	case onlyShowErrors && (verbose || debug):
		return 0, errors.New("--only-show-errors can't be used together with --debug or --verbose")
	case onlyShowErrors:
		return LevelError, nil
	case debug:
		return LevelDebug, nil
	case verbose:
		return LevelInfo, nil
	}
	return LevelWarning, nil
}

// DefaultLoggerName is the logger name shown at debug level.
const DefaultLoggerName = "cli.aksnet"

// Logger writes az-style log lines to stderr. Without colour a line is
// "WARNING: message"; with colour (stdout and stderr are terminals) knack
// drops the level name and colours the whole message instead. At debug
// level the logger name comes before the message.
type Logger struct {
	W     io.Writer
	Level Level
	Color bool
	Name  string // defaults to DefaultLoggerName
}

// NewLogger returns a logger writing to w.
func NewLogger(w io.Writer, level Level, color bool) *Logger {
	return &Logger{W: w, Level: level, Color: color}
}

// knack's color_map.
var levelColors = map[Level]string{
	LevelError:   "\x1b[91m",
	LevelWarning: "\x1b[33m",
	LevelInfo:    "\x1b[32m",
	LevelDebug:   "\x1b[36m",
}

var levelNames = map[Level]string{
	LevelError: "ERROR", LevelWarning: "WARNING", LevelInfo: "INFO", LevelDebug: "DEBUG",
}

func (l *Logger) log(level Level, format string, args []any) {
	if l == nil || l.W == nil || level > l.effectiveLevel() {
		return
	}
	var elems []string
	if !l.Color {
		elems = append(elems, levelNames[level])
	}
	if l.effectiveLevel() >= LevelDebug {
		name := l.Name
		if name == "" {
			name = DefaultLoggerName
		}
		elems = append(elems, name)
	}
	elems = append(elems, fmt.Sprintf(format, args...))
	msg := strings.Join(elems, ": ")
	if l.Color {
		msg = levelColors[level] + msg + "\x1b[0m"
	}
	fmt.Fprintln(l.W, msg)
}

func (l *Logger) effectiveLevel() Level {
	if l.Level == 0 {
		return LevelWarning
	}
	return l.Level
}

// Error logs an error; errors are always shown.
func (l *Logger) Error(format string, args ...any) { l.log(LevelError, format, args) }

// Warn logs a warning, hidden by --only-show-errors.
func (l *Logger) Warn(format string, args ...any) { l.log(LevelWarning, format, args) }

// Info logs a message shown with --verbose or --debug.
func (l *Logger) Info(format string, args ...any) { l.log(LevelInfo, format, args) }

// Debug logs a message shown with --debug.
func (l *Logger) Debug(format string, args ...any) { l.log(LevelDebug, format, args) }
