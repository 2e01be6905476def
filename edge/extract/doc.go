// Package extract finds what a script usually wants from a sign-up or
// sign-in message: the one-time code and the verification link.
//
// Both work on the subject and the text and HTML bodies that edge/mime
// returns, and neither keeps any state, so the public API computes them
// each time a message is read and never stores them. Both are
// heuristics: they find the common shapes of such mail in English,
// German, French, Spanish, Italian, Portuguese and Dutch, and may miss a
// code or link written in another way.
//
// Codes returns the subject's codes first, then those of the text body,
// then those of the HTML body, each in order of appearance. Split codes
// ("123 456", "K7Q-2MX", one digit per table cell) are joined. A code of
// letters alone must be 6 to 8 capitals that a keyword introduces and
// that end their line ("Your code: KQXMZT"), because capitalized words
// are common in mail. Letters mixed with digits are kept as written
// ("aB3dE9").
//
// Links returns links in order of appearance, except that verification
// links trade places among themselves, best first, so that the first link
// with Verification set is the one to open. A click-tracking redirect
// keeps its own URL, names where it leads in Target, and is judged by that
// destination.
package extract
