// Package extract finds what a script usually wants from a sign-up or
// sign-in message: the one-time code and the verification link.
//
// Both work on the text and HTML bodies that edge/mime returns, and neither
// keeps any state, so the public API computes them each time a message is
// read and never stores them. Both are heuristics: they find the common
// shapes of such mail in English, German, French, Spanish, Italian,
// Portuguese and Dutch, and may miss a code written in another way.
package extract
