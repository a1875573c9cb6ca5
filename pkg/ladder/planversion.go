package ladder

// PlanVersion names the way veza turns a ladder into ffmpeg work; it changes
// when the same ladder and source would give different output, and is part
// of every rendition's resume fingerprint. Work queues put it in job ids so
// a new plan queues the catalog again.
const PlanVersion = planVersion
