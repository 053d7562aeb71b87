package i18n

import (
	"strconv"
	"strings"
	"time"
)

// The lookup functions below name the codes other packages store or pass
// on. Each knows its family's codes; an unknown code gives a Key the
// catalogue does not have (Has is false), which T shows as its ID, so a
// code newer than the catalogue is still seen rather than hidden. The tests
// run each over every code it can be given.

// Kind names a ticket kind (store.KindRepair, store.KindComplaint).
func Kind(kind string) Key { return lookup(kinds, "kind.", kind) }

// Tag is the tag that files a ticket of a kind, as an example ("#报修").
func Tag(kind string) Key { return lookup(tags, "tag.", kind) }

// Status names a ticket status (store.StatusOpen …).
func Status(status string) Key { return lookup(statuses, "status.", status) }

// Role names a role (store.RoleResident, store.RoleStaff, store.RoleManager).
func Role(role string) Key { return lookup(roles, "role.", role) }

// Event names a ticket event's action (store.Act…, "created", "escalate_1"
// and "escalate_2") in a ticket's history; the actor fills it.
func Event(action string) Key { return lookup(events, "event.", action) }

// ExportAction names a ticket event's action in the workbook, and reports
// whether the catalogue knows it.
func ExportAction(action string) (Key, bool) { return known(exportActions, "export.action.", action) }

// ScheduleKind names a schedule's kind (store.ScheduleAnnouncement …).
func ScheduleKind(kind string) Key { return lookup(scheduleKinds, "skind.", kind) }

// Post is the frame of what a schedule of that kind posts in the resident
// groups (store.ScheduleAnnouncement …); the schedule's text fills it.
func Post(kind string) Key { return lookup(posts, "post.", kind) }

// KPIName names a KPI (store.KPISatisfaction …).
func KPIName(name string) Key { return lookup(kpiNames, "kpi.name.", name) }

// KPITarget says a KPI's target; the target in percent fills it.
func KPITarget(name string) Key { return lookup(kpiTargets, "kpi.target.", name) }

// Weekday names a day of the week, short ("周一", "Mon").
func Weekday(d time.Weekday) Key { return lookup(weekdays, "weekday.", d.String()) }

// Category names a built-in complaint category (the ones the migrations
// seed, and store.OtherCategory), and reports whether it is one: the
// categories managers add are shown as they typed them.
func Category(name string) (Key, bool) { return known(categories, "cat.", name) }

// Why says in words why a ticket in a status refuses an action ("还在处理中").
func Why(status string) Key { return lookup(whys, "why.", status) }

// Refused names an action (store.Act…) as a refusal says it cannot be done.
func Refused(action string) Key { return lookup(refusals, "refused.", action) }

// Err is the message of a store.Error's key ("no_ticket" names
// ErrNoTicket), and reports whether the catalogue has one.
func Err(code string) (Key, bool) { return known(errs, "err.", code) }

var (
	kinds    = map[string]Key{"repair": KindRepair, "complaint": KindComplaint}
	tags     = map[string]Key{"repair": TagRepair, "complaint": TagComplaint}
	statuses = map[string]Key{"open": StatusOpen, "in_progress": StatusInProgress, "on_hold": StatusOnHold, "resolved": StatusResolved, "closed": StatusClosed, "cancelled": StatusCancelled}
	whys     = map[string]Key{"open": WhyOpen, "in_progress": WhyInProgress, "on_hold": WhyOnHold, "resolved": WhyResolved, "closed": WhyClosed, "cancelled": WhyCancelled}
	refusals = map[string]Key{
		"take": RefusedTake, "assign": RefusedAssign, "progress": RefusedProgress, "comment": RefusedComment, "hold": RefusedHold,
		"resolve": RefusedResolve, "reopen": RefusedReopen, "cancel": RefusedCancel, "rate": RefusedRate, "close": RefusedClose, "note": RefusedNote,
	}
	roles         = map[string]Key{"resident": RoleResident, "staff": RoleStaff, "manager": RoleManager}
	scheduleKinds = map[string]Key{"announcement": ScheduleKindAnnouncement, "survey": ScheduleKindSurvey, "activity": ScheduleKindActivity, "meeting": ScheduleKindMeeting}
	posts         = map[string]Key{"announcement": PostAnnouncement, "survey": PostSurvey, "activity": PostActivity, "meeting": PostMeeting}
	kpiNames      = map[string]Key{"satisfaction": KPINameSatisfaction, "resolution": KPINameResolution, "participation": KPINameParticipation}
	kpiTargets    = map[string]Key{"satisfaction": KPITargetSatisfaction, "resolution": KPITargetResolution, "participation": KPITargetParticipation}
	events        = map[string]Key{
		"created": EventCreated, "take": EventTake, "assign": EventAssign, "progress": EventProgress,
		"comment": EventComment, "hold": EventHold, "resolve": EventResolve, "reopen": EventReopen,
		"cancel": EventCancel, "rate": EventRate, "close": EventClose,
		"escalate_1": EventEscalate1, "escalate_2": EventEscalate2, "note": EventNote,
		"merge": EventMerge, "merged": EventMerged,
	}
	exportActions = map[string]Key{
		"created": ExportActionCreated, "take": ExportActionTake, "assign": ExportActionAssign, "progress": ExportActionProgress,
		"comment": ExportActionComment, "hold": ExportActionHold, "resolve": ExportActionResolve, "reopen": ExportActionReopen,
		"cancel": ExportActionCancel, "rate": ExportActionRate, "close": ExportActionClose,
		"escalate_1": ExportActionEscalate1, "escalate_2": ExportActionEscalate2, "note": ExportActionNote,
		"merge": ExportActionMerge, "merged": ExportActionMerged,
	}
	weekdays = map[string]Key{
		"Sunday": WeekdaySunday, "Monday": WeekdayMonday, "Tuesday": WeekdayTuesday, "Wednesday": WeekdayWednesday,
		"Thursday": WeekdayThursday, "Friday": WeekdayFriday, "Saturday": WeekdaySaturday,
	}
	// categories: the keywords' categories seeded by migration 0002, "其他"
	// as a manager may type it, and "" (store.OtherCategory), the category
	// of a complaint no keyword matches.
	categories = map[string]Key{
		"电梯": CategoryLift, "停车": CategoryParking, "噪音": CategoryNoise, "卫生": CategoryCleanliness,
		"安保": CategorySecurity, "其他": CategoryOther, "": CategoryOther,
	}
	// errs holds every "err." key by the rest of its id, the key a
	// store.Error carries.
	errs = func() map[string]Key {
		m := map[string]Key{}
		for k := range zh {
			if code, ok := strings.CutPrefix(k.id, "err."); ok {
				m[code] = k
			}
		}
		return m
	}()
)

func lookup(m map[string]Key, prefix, code string) Key {
	if k, ok := m[code]; ok {
		return k
	}
	return Key{prefix + code}
}

func known(m map[string]Key, prefix, code string) (Key, bool) {
	k, ok := m[code]
	if !ok {
		return Key{prefix + code}, false
	}
	return k, true
}

// DescWeekday names a day of the week in a schedule's description, in full
// ("周一", "Monday").
func DescWeekday(d time.Weekday) Key {
	return lookup(descWeekdays, "desc.weekday.", strconv.Itoa(int(d)))
}

// DescWeekdayAfter names a day of the week that follows another in a
// list ("周一、三、五": "三").
func DescWeekdayAfter(d time.Weekday) Key {
	return lookup(descWeekdaysAfter, "desc.weekday_after.", strconv.Itoa(int(d)))
}

// DescMonth names a month in a schedule's description ("1" before "月", "January").
func DescMonth(m time.Month) Key { return lookup(descMonths, "desc.month.", strconv.Itoa(int(m))) }

var (
	descWeekdays = map[string]Key{"0": DescSunday, "1": DescMonday, "2": DescTuesday, "3": DescWednesday,
		"4": DescThursday, "5": DescFriday, "6": DescSaturday}
	descWeekdaysAfter = map[string]Key{"0": DescSundayAfter, "1": DescMondayAfter, "2": DescTuesdayAfter, "3": DescWednesdayAfter,
		"4": DescThursdayAfter, "5": DescFridayAfter, "6": DescSaturdayAfter}
	descMonths = map[string]Key{"1": DescJanuary, "2": DescFebruary, "3": DescMarch, "4": DescApril, "5": DescMay, "6": DescJune,
		"7": DescJuly, "8": DescAugust, "9": DescSeptember, "10": DescOctober, "11": DescNovember, "12": DescDecember}
)
