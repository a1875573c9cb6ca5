package check

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"time"
)

// JUnit XML, the schema CI systems (GitLab, Jenkins, GitHub test
// reporters) read: one testsuite per playlist, one testcase per check.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr,omitempty"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Skipped    int             `xml:"skipped,attr,omitempty"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }

// WriteJUnit writes the report as JUnit XML.
func (r *Report) WriteJUnit(w io.Writer) error {
	out := junitSuites{Name: "veza check", Time: seconds(r.Elapsed)}
	index := map[string]int{}
	for _, res := range r.Results {
		i, ok := index[res.Master]
		if !ok {
			i = len(out.Suites)
			index[res.Master] = i
			out.Suites = append(out.Suites, junitSuite{Name: res.Master, Properties: []junitProperty{
				{"browser", r.Browser}, {"seconds", strconv.FormatFloat(r.Seconds, 'f', -1, 64)},
			}})
		}
		s := &out.Suites[i]
		c := junitCase{Name: res.Kind + " " + res.Name(), Classname: res.Master, Time: seconds(res.Elapsed)}
		switch res.Kind {
		case KindCodecs:
			c.SystemOut = res.MIMEType
		case KindPlay:
			c.SystemOut = fmt.Sprintf("played %.2f s", res.Played)
		}
		switch {
		case res.Skipped:
			c.Skipped = &junitSkipped{Message: res.Error}
			s.Skipped++
			out.Skipped++
		case !res.Passed:
			c.Failure = &junitFailure{Message: res.Error, Type: res.Kind, Text: res.Error}
			s.Failures++
			out.Failures++
		}
		s.Tests++
		out.Tests++
		s.Cases = append(s.Cases, c)
	}
	var total time.Duration
	for i := range out.Suites {
		var d time.Duration
		for _, res := range r.Results {
			if res.Master == out.Suites[i].Name {
				d += res.Elapsed
			}
		}
		out.Suites[i].Time = seconds(d)
		total += d
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
