package synth

import (
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// The words of the synthetic registries: Swedish, as legacy registry
// platforms write them, and within Latin-1, so every text fits a latin1
// column. None is anyone's personal data.

var towns = []string{
	"Umeå", "Växjö", "Örebro", "Malmö", "Göteborg", "Skövde", "Luleå", "Västerås", "Jönköping",
	"Norrköping", "Linköping", "Gävle", "Sundsvall", "Östersund", "Karlstad", "Halmstad",
	"Kalmar", "Borås", "Uppsala", "Lund", "Falun", "Kiruna", "Ystad", "Visby",
}

var regionNames = []string{
	"Region Skåne", "Region Uppsala", "Västra Götalandsregionen", "Region Västerbotten",
	"Region Stockholm", "Region Örebro län", "Region Jönköpings län", "Region Norrbotten",
}

var clinics = []string{
	"Ortopedkliniken", "Kirurgkliniken", "Handkirurgiska kliniken", "Idrottsmedicinska mottagningen",
	"Rehabiliteringskliniken", "Fysioterapin", "Vårdcentralen",
}

var diagnoses = []string{
	"Främre korsbandsskada", "Menisklesion", "Höftledsartros", "Knäledsartros",
	"Fraktur på lårbenshalsen", "Rotatorkuffruptur", "Lumbalt diskbråck", "Hälseneruptur",
	"Distal radiusfraktur", "Patellaluxation",
}

var notes = []string{
	"Patienten mår bra.", "Återbesök om sex månader.", "Smärta vid ansträngning.",
	"Ingen anmärkning.", "Sårläkning utan komplikationer.", "Går med kryckor, förbättras.",
	"Önskar remiss till fysioterapeut.", "Svullnad kvarstår något.",
}

var procedures = []string{"NGE11", "NGE51", "NFB49", "NGD01", "NHL19", "NCJ69", "NGF39"}

// Code lists. Version 1 used digits; version 2 (from 2015) letters, and
// added "unknown". The receiving platforms' codes are English words.
var (
	smokingV1  = []string{"1", "2", "3"}
	smokingV2  = []string{"J", "N", "N", "F", "F", "O"}
	smokingNew = map[string]map[string]string{
		"1": {"1": "current", "2": "never", "3": "former"},
		"2": {"J": "current", "N": "never", "F": "former", "O": "unknown"},
	}
	smokingText = map[string]map[string]string{
		"1": {"1": "Röker", "2": "Har aldrig rökt", "3": "Har slutat röka"},
		"2": {"J": "Ja, röker", "N": "Nej, aldrig", "F": "Före detta rökare", "O": "Okänt"},
	}
	satisfaction     = []string{"1", "2", "3"}
	satisfactionText = map[string]string{"1": "Nöjd", "2": "Varken nöjd eller missnöjd", "3": "Missnöjd"}
)

// Dates of registrations: from 2005 to mid-2025, so that follow-ups fall
// before the plans' reference date, 2026-01-01.
var (
	firstVisit = connectors.Date{Year: 2005, Month: 1, Day: 1}
	lastVisit  = connectors.Date{Year: 2025, Month: 6, Day: 30}
	// formV2From is when version 2 of the forms and code lists began.
	formV2From = connectors.Date{Year: 2015, Month: 1, Day: 1}
)

// visitDate draws a registration date.
func visitDate(r *rand.Rand) connectors.Date {
	return dateAt(firstVisit, r.IntN(daysBetween(firstVisit, lastVisit)+1))
}

// futureDate draws a date after the reference date, the way a year typed
// wrong (2031 for 2013) puts one there.
func futureDate(r *rand.Rand) connectors.Date {
	return connectors.Date{Year: 2031 + r.IntN(8), Month: time.Month(1 + r.IntN(12)), Day: 1 + r.IntN(28)}
}

// clockAt gives a time of day on date d, in office hours.
func clockAt(r *rand.Rand, d connectors.Date) connectors.LocalDateTime {
	return connectors.LocalDateTime{Date: d, Hour: 7 + r.IntN(11), Minute: r.IntN(60), Second: r.IntN(60)}
}

// weightText writes a weight in tenths of a kilogram as legacy forms
// stored it: "72.5", or with a decimal comma.
func weightText(tenths int, comma bool) string {
	sep := "."
	if comma {
		sep = ","
	}
	return strconv.Itoa(tenths/10) + sep + strconv.Itoa(tenths%10)
}

// weightTypo types a letter O for the weight's first zero-like digit, as
// "7O.5": a value no decimal reader accepts.
func weightTypo(tenths int) string {
	s := []byte(weightText(tenths, false))
	s[1] = 'O'
	return string(s)
}

// weightDecimal is the weight as the receiving platform stores it.
func weightDecimal(tenths int) connectors.Decimal {
	return connectors.Decimal(weightText(tenths, false))
}
