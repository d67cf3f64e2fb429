package containerservice

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"

	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
)

// TypeMaintenanceConfiguration is a cluster's planned maintenance schedule.
const TypeMaintenanceConfiguration = "Microsoft.ContainerService/managedClusters/maintenanceConfigurations"

// The configurations AKS schedules by name: "default" (AKS's weekly
// releases, in timeInWeek slots) and the two maintenance windows of
// auto-upgrades and node OS upgrades
// (https://learn.microsoft.com/azure/aks/planned-maintenance).
const (
	maintenanceDefault     = "default"
	maintenanceAutoUpgrade = "aksManagedAutoUpgradeSchedule"
	maintenanceNodeOS      = "aksManagedNodeOSUpgradeSchedule"
)

var (
	startTimeRE = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
	utcOffsetRE = regexp.MustCompile(`^[+-](0[0-9]|1[0-4]):[0-5][0-9]$`)
	weekDays    = armcontainerservice.PossibleWeekDayValues()
	weekIndexes = armcontainerservice.PossibleTypeValues()
)

// maintenanceConfigurationKind serves a cluster's maintenance
// configurations. aksnet runs no upgrades, so a schedule is stored, checked
// and served, as IaC tools expect (azurerm reads all three on every cluster
// read and wants 404 for those that don't exist); it changes nothing else.
// The REST API answers PUT and DELETE at once, with 200.
func (p *Provider) maintenanceConfigurationKind() *arm.Kind {
	return &arm.Kind{
		Type:       TypeMaintenanceConfiguration,
		Model:      armcontainerservice.MaintenanceConfiguration{},
		ValidName:  arm.NameRule{Type: "maintenance configuration", Min: 1, Max: 63, Pattern: regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`), Explain: "letters, digits, underscores and hyphens, starting with a letter or digit"}.Check,
		Put:        putMaintenanceConfiguration,
		SyncDelete: true,
		Display:    "Maintenance configuration",
	}
}

func putMaintenanceConfiguration(c *arm.Call) ([]byte, error) {
	var mc armcontainerservice.MaintenanceConfiguration
	if err := c.Decode(&mc); err != nil {
		return nil, err
	}
	props := mc.Properties
	if props == nil {
		props = &armcontainerservice.MaintenanceConfigurationProperties{}
	}
	if err := checkMaintenance(c.Name, props); err != nil {
		return nil, err
	}
	c.Status = 200
	return json.Marshal(armcontainerservice.MaintenanceConfiguration{
		ID:         to.Ptr(c.ID),
		Name:       to.Ptr(arm.LastName(c.ID)),
		Type:       to.Ptr(TypeMaintenanceConfiguration),
		Properties: props,
	})
}

// checkMaintenance applies the REST API's rules to a configuration named name.
func checkMaintenance(name string, p *armcontainerservice.MaintenanceConfigurationProperties) error {
	w := p.MaintenanceWindow
	switch {
	case strings.EqualFold(name, maintenanceAutoUpgrade) || strings.EqualFold(name, maintenanceNodeOS):
		if w == nil {
			return invalidMaintenance("properties.maintenanceWindow", "Maintenance configuration %s needs a maintenanceWindow.", name)
		}
		if len(p.TimeInWeek) > 0 || len(p.NotAllowedTime) > 0 {
			return invalidMaintenance("properties.timeInWeek", "Maintenance configuration %s takes a maintenanceWindow, not timeInWeek or notAllowedTime.", name)
		}
	case w == nil && len(p.TimeInWeek) == 0:
		return invalidMaintenance("properties.timeInWeek", "Maintenance configuration %s needs timeInWeek or a maintenanceWindow.", name)
	}
	for i, t := range p.TimeInWeek {
		if t == nil || t.Day == nil || !slices.Contains(weekDays, *t.Day) {
			return invalidMaintenance(fmt.Sprintf("properties.timeInWeek[%d].day", i), "timeInWeek[%d].day must be one of %v.", i, weekDays)
		}
		for _, h := range t.HourSlots {
			if h == nil || *h < 0 || *h > 23 {
				return invalidMaintenance(fmt.Sprintf("properties.timeInWeek[%d].hourSlots", i), "An hour slot is an hour from 0 to 23; got %v.", deref(h))
			}
		}
	}
	for i, s := range p.NotAllowedTime {
		if s == nil || s.Start == nil || s.End == nil || !s.End.After(*s.Start) {
			return invalidMaintenance(fmt.Sprintf("properties.notAllowedTime[%d]", i), "notAllowedTime[%d] needs a start before its end.", i)
		}
	}
	if w != nil {
		return checkWindow(w)
	}
	return nil
}

// checkWindow checks a maintenance window: 4 to 24 hours from a start time
// of HH:mm at a UTC offset of ±HH:mm, on exactly one recurrence schedule.
func checkWindow(w *armcontainerservice.MaintenanceWindow) error {
	const at = "properties.maintenanceWindow."
	if w.DurationHours == nil || *w.DurationHours < 4 || *w.DurationHours > 24 {
		return invalidMaintenance(at+"durationHours", "durationHours must be from 4 to 24; got %v.", deref(w.DurationHours))
	}
	if w.StartTime == nil || !startTimeRE.MatchString(*w.StartTime) {
		return invalidMaintenance(at+"startTime", "startTime must be a time from '00:00' to '23:59'; got '%s'.", str(w.StartTime))
	}
	if w.UTCOffset != nil && *w.UTCOffset != "" && !utcOffsetRE.MatchString(*w.UTCOffset) {
		return invalidMaintenance(at+"utcOffset", "utcOffset must be +HH:mm or -HH:mm; got '%s'.", *w.UTCOffset)
	}
	for i, d := range w.NotAllowedDates {
		if d == nil || d.Start == nil || d.End == nil || d.End.Before(*d.Start) {
			return invalidMaintenance(fmt.Sprintf(at+"notAllowedDates[%d]", i), "notAllowedDates[%d] needs a start on or before its end.", i)
		}
	}
	return checkSchedule(w.Schedule)
}

// checkSchedule checks that exactly one recurrence is set, within its range.
func checkSchedule(s *armcontainerservice.Schedule) error {
	const at = "properties.maintenanceWindow.schedule"
	if s == nil {
		return invalidMaintenance(at, "A maintenance window needs a schedule.")
	}
	set := 0
	for _, on := range []bool{s.Daily != nil, s.Weekly != nil, s.AbsoluteMonthly != nil, s.RelativeMonthly != nil} {
		if on {
			set++
		}
	}
	if set != 1 {
		return invalidMaintenance(at, "A schedule has exactly one of daily, weekly, absoluteMonthly and relativeMonthly; got %d.", set)
	}
	switch {
	case s.Daily != nil:
		return inRange(at+".daily.intervalDays", s.Daily.IntervalDays, 1, 7)
	case s.Weekly != nil:
		if err := checkDay(at+".weekly.dayOfWeek", s.Weekly.DayOfWeek); err != nil {
			return err
		}
		return inRange(at+".weekly.intervalWeeks", s.Weekly.IntervalWeeks, 1, 4)
	case s.AbsoluteMonthly != nil:
		if err := inRange(at+".absoluteMonthly.dayOfMonth", s.AbsoluteMonthly.DayOfMonth, 1, 31); err != nil {
			return err
		}
		return inRange(at+".absoluteMonthly.intervalMonths", s.AbsoluteMonthly.IntervalMonths, 1, 6)
	default:
		r := s.RelativeMonthly
		if err := checkDay(at+".relativeMonthly.dayOfWeek", r.DayOfWeek); err != nil {
			return err
		}
		if r.WeekIndex == nil || !slices.Contains(weekIndexes, *r.WeekIndex) {
			return invalidMaintenance(at+".relativeMonthly.weekIndex", "weekIndex must be one of %v.", weekIndexes)
		}
		return inRange(at+".relativeMonthly.intervalMonths", r.IntervalMonths, 1, 6)
	}
}

func checkDay(target string, d *armcontainerservice.WeekDay) error {
	if d == nil || !slices.Contains(weekDays, *d) {
		return invalidMaintenance(target, "The day must be one of %v.", weekDays)
	}
	return nil
}

func inRange(target string, v *int32, lo, hi int32) error {
	if v == nil || *v < lo || *v > hi {
		return invalidMaintenance(target, "%s must be from %d to %d; got %v.", target[strings.LastIndex(target, ".")+1:], lo, hi, deref(v))
	}
	return nil
}

// deref shows an optional number in a message: "nothing" when absent.
func deref(v *int32) any {
	if v == nil {
		return "nothing"
	}
	return *v
}

func invalidMaintenance(target, format string, args ...any) error {
	return azerr.BadRequest("InvalidParameter", target, format, args...)
}
