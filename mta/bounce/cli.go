// sluice classify: the command-line face of the classifier, for operators
// checking what a returned message or a reply means.

package bounce

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

const classifyUsage = `usage: sluice classify [FILE]
       sluice classify --reply 'CODE TEXT'

Classifies one returned message (a bounce, a delay warning, a feedback-loop
complaint or an auto-reply) read from FILE, or from standard input when FILE
is absent or "-", and prints one JSON line per failed or reported recipient:

  {"recipient":"jane@example.net","status":"5.1.1","class":"hard_invalid_recipient","hard":true,"reason":"user_unknown","rule":"…","decisive":true,"diagnostic":"…","message_id":"0000000000001a2f",…}

A message with nothing recognisable prints one line of class "other".

With --reply, classifies one synchronous SMTP reply instead, such as
'550 5.1.1 <jane@example.net>: Recipient address rejected: User unknown'
(a multi-line reply may be given with its line breaks), and prints one line.

Classes: hard_invalid_recipient, soft_mailbox_full, soft_temporary,
policy_blocked, spam_blocked, rate_limited, complaint, auto_reply, other.
Only hard_invalid_recipient and complaint call for suppression.

Exit status: 0 when classified, 1 when the input cannot be read, 2 for
usage errors.
`

// Main implements "sluice classify" (the binary dispatches to it, as it
// does to ctl.Run); args are the arguments after "classify". It returns
// the exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sluice classify", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors and usage are printed below
	reply := fs.String("reply", "", "classify one SMTP reply instead of a message")
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "sluice classify: "+format+"\n%s", append(a, classifyUsage)...)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, classifyUsage)
			return 0
		}
		return usageErr("%v", err)
	}
	replyGiven := false
	fs.Visit(func(f *flag.Flag) { replyGiven = replyGiven || f.Name == "reply" })
	switch {
	case replyGiven && fs.NArg() > 0:
		return usageErr("--reply takes no FILE, got %q", fs.Arg(0))
	case replyGiven && *reply == "":
		return usageErr("--reply needs a reply, such as '550 5.1.1 User unknown'")
	case fs.NArg() > 1:
		return usageErr("one FILE at most, got %d", fs.NArg())
	}
	c, out := New(), NewJSONWriter(stdout)
	if replyGiven {
		return classifyDone(stderr, out.Write(c.Reply(ParseReply(*reply))))
	}
	in, name := stdin, "standard input"
	if fs.NArg() == 1 && fs.Arg(0) != "-" {
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return classifyDone(stderr, err)
		}
		defer f.Close()
		in, name = f, fs.Arg(0)
	}
	results, err := c.Message(in)
	if err != nil {
		return classifyDone(stderr, fmt.Errorf("%s: %w", name, err))
	}
	return classifyDone(stderr, out.Write(results...))
}

// classifyDone returns the exit status for err (0 when nil, 1 after
// printing it).
func classifyDone(stderr io.Writer, err error) int {
	if err != nil {
		fmt.Fprintf(stderr, "sluice classify: %v\n", err)
		return 1
	}
	return 0
}
