"""The turn engine with fakes: order of events, timings, barge-in, branches, errors."""

from __future__ import annotations

import time

import numpy as np
import pytest

from trainer import events as ev
from trainer.audio.capture import ScriptedMicrophone
from trainer.audio.devices import AudioDeviceError
from trainer.audio.playback import NullSpeaker
from trainer.events import TurnState
from trainer.scenarios import find_scenario
from trainer.session import Session, SessionOptions

from tests.fakes import (EventLog, FakeClient, FakeFeedback, FakeRecognizer, FakeRecorder,
                         FakeSynthesizer, FakeVad, tone)


@pytest.fixture
def scenario():
    return find_scenario("burnout-nurse")


def text_session(scenario, **kwargs):
    parts = dict(client=FakeClient(), speaker=NullSpeaker(), synthesizer=FakeSynthesizer(),
                 feedback=FakeFeedback(), recorder=FakeRecorder(), options=SessionOptions(input_mode="text"))
    parts.update(kwargs)
    session = Session(scenario, **parts)
    log = EventLog()
    session.add_listener(log)
    return session, log


def test_text_turns_emit_events_in_order_and_are_recorded(scenario):
    session, log = text_session(scenario)
    session.start()
    assert session.wait_for_listening(5)
    session.submit_text("You sound worn out.")
    assert log.wait_for(lambda l: len(l.of(ev.TurnCompleted)) == 1)
    session.end()
    assert session.wait_ended(5)

    kinds = [type(e) for e in log.events if not isinstance(e, (ev.StateChanged, ev.MicLevel))]
    turn = kinds[kinds.index(ev.TraineeSaid):]
    assert turn[:4] == [ev.TraineeSaid, ev.FeedbackReady, ev.ClientStateChanged, ev.ClientReplyStarted]
    assert ev.ClientSaid in turn and turn.index(ev.ClientSaid) < turn.index(ev.TurnCompleted)
    opening = log.of(ev.ClientSaid)[0]
    assert opening.turn_index == 0 and opening.text == "I'm not sure why I'm here."
    recorded = session.recorder.sessions["s1"]
    assert [t["trainee_text"] for t in recorded] == ["", "You sound worn out."]
    assert recorded[0]["client_text"] == "I'm not sure why I'm here."  # the opening line
    assert recorded[1]["code"] == "reflection_simple"
    assert recorded[1]["client_text"].startswith("Reply 1 sentence 1")
    assert session.recorder.finished["s1"] == {"turns": 1}
    assert log.of(ev.SessionEnded)[0].summary == {"turns": 1}
    states = [e.state for e in log.of(ev.StateChanged)]
    assert states[0] == TurnState.CLIENT_THINKING and states[-1] == TurnState.ENDED
    assert TurnState.CLIENT_SPEAKING in states


def test_feedback_reaches_the_trainee_before_the_client_speaks(scenario):
    session, log = text_session(scenario)
    session.start()
    session.wait_for_listening(5)
    session.submit_text("You should rest more.")
    assert log.wait_for(lambda l: len(l.of(ev.TurnCompleted)) == 1)
    session.end()
    session.wait_ended(5)
    feedback_at = log.events.index(log.of(ev.FeedbackReady)[0])
    first_part = [e for e in log.of(ev.ClientSaidPart) if e.turn_index == 1][0]
    assert feedback_at < log.events.index(first_part)
    assert log.of(ev.ClientStateChanged)[0].state == {"openness": 0.2}


def voice_session(scenario, texts, speaker=None, mode="voice", goes_on_after_s=10.0):
    mic = ScriptedMicrophone(pace=False, silence_after_s=1.0)
    session = Session(scenario, client=FakeClient(), speaker=speaker or NullSpeaker(),
                      synthesizer=FakeSynthesizer(), microphone=mic, recognizer=FakeRecognizer(texts),
                      vad=FakeVad(), feedback=FakeFeedback(), recorder=FakeRecorder(),
                      options=SessionOptions(input_mode=mode, end_silence_ms=500,
                                             client_goes_on_after_s=goes_on_after_s))
    log = EventLog()
    session.add_listener(log)
    return session, mic, log


def test_voice_turn_timings_come_from_the_audio_clock(scenario):
    session, mic, log = voice_session(scenario, ["What brings you here?"])
    session.start()
    assert session.wait_for_listening(5)
    mic.feed_silence(0.5)
    mic.feed_utterance(tone(1.5))
    assert log.wait_for(lambda l: len(l.of(ev.TurnCompleted)) == 1)
    said = log.of(ev.TraineeSaid)[0]
    opening = log.of(ev.ClientSaid)[0]
    # Speech began 0.5 s after the client's opening and lasted 1.5 s (32 ms blocks).
    assert said.speech_start_s - opening.speech_end_s == pytest.approx(0.5, abs=0.07)
    assert said.speech_end_s - said.speech_start_s == pytest.approx(1.5, abs=0.1)
    timings = log.of(ev.TurnCompleted)[0].record["timings"]
    assert timings["endpoint_to_transcript"] >= 0
    assert timings["endpoint_to_first_audio"] >= timings["endpoint_to_transcript"]
    assert session.recognizer.heard[0] >= int(1.5 * 16000)
    session.end()
    assert session.wait_ended(5)


def test_barge_in_stops_playback_and_marks_the_line_interrupted(scenario):
    speaker = NullSpeaker(pace=True)  # plays in real time, so the client is still talking
    session, mic, log = voice_session(scenario, ["Sorry, can I say something?"], speaker=speaker)
    session.client.opening = " ".join(["word"] * 80)  # about 8 s of speech
    session.start()
    assert log.wait_for(lambda l: TurnState.CLIENT_SPEAKING in [e.state for e in l.of(ev.StateChanged)])
    mic.feed_utterance(tone(1.0, amplitude=0.5))
    assert log.wait_for(lambda l: len(l.of(ev.BargeIn)) == 1)
    assert log.wait_for(lambda l: len(l.of(ev.ClientSaid)) >= 1)
    opening = log.of(ev.ClientSaid)[0]
    assert opening.interrupted
    assert opening.speech_end_s - opening.speech_start_s < 4.0
    assert log.of(ev.BargeIn)[0].stop_ms < 150
    assert log.of(ev.TraineeSpeechStarted)[0].while_client_speaking
    session.end()
    assert session.wait_ended(5)


def test_an_opening_line_cut_short_keeps_only_the_sentences_heard(scenario):
    # The opening went to the voice as one piece, so it was stored whole, however early
    # the trainee came in.
    speaker = NullSpeaker(pace=True)
    session, mic, log = voice_session(scenario, ["Sorry, can I say something?"], speaker=speaker)
    first = " ".join(["first"] * 30) + "."
    session.client.opening = f"{first} {' '.join(['second'] * 30)}. {' '.join(['third'] * 30)}."
    session.start()
    assert log.wait_for(lambda l: TurnState.CLIENT_SPEAKING in [e.state for e in l.of(ev.StateChanged)])
    mic.feed_utterance(tone(1.0, amplitude=0.5))
    assert log.wait_for(lambda l: len(l.of(ev.ClientSaid)) >= 1)
    opening = log.of(ev.ClientSaid)[0]
    assert opening.interrupted and opening.text == first
    assert session.opening_text == first
    session.end()
    assert session.wait_ended(5)


def test_push_to_talk_ignores_speech_until_the_key_is_held(scenario):
    session, mic, log = voice_session(scenario, ["I hear you."], mode="push_to_talk")
    session.start()
    assert session.wait_for_listening(5)
    mic.feed_utterance(tone(1.0))  # spoken without the key: ignored
    session.push_to_talk(True)
    mic.feed_silence(0.3)
    mic.feed_utterance(tone(0.6))
    session.push_to_talk(False)
    mic.feed_silence(0.2)
    assert log.wait_for(lambda l: len(l.of(ev.TurnCompleted)) == 1)
    assert len(session.recognizer.heard) == 1
    session.end()
    session.wait_ended(5)


def test_unheard_speech_is_reported_and_the_session_goes_on(scenario):
    session, mic, log = voice_session(scenario, ["", "You feel stuck."])
    session.start()
    session.wait_for_listening(5)
    mic.feed_utterance(tone(0.8))
    assert log.wait_for(lambda l: any("didn't catch" in e.message for e in l.of(ev.ErrorOccurred)))
    mic.feed_utterance(tone(0.8))
    assert log.wait_for(lambda l: len(l.of(ev.TurnCompleted)) == 1)
    assert log.of(ev.TurnCompleted)[0].record["index"] == 1
    session.end()
    session.wait_ended(5)


def test_a_failing_recognizer_is_an_error_not_a_crash(scenario):
    class Broken(FakeRecognizer):
        def transcribe(self, samples):
            raise RuntimeError("decoder exploded")

    session, mic, log = voice_session(scenario, [])
    session.recognizer = Broken([])
    session.start()
    session.wait_for_listening(5)
    mic.feed_utterance(tone(0.8))
    assert log.wait_for(lambda l: any("decoder exploded" in e.message for e in l.of(ev.ErrorOccurred)))
    assert session.wait_for_listening(5)
    session.end()
    assert session.wait_ended(5)
    assert log.of(ev.SessionEnded)


def test_try_again_restores_the_client_and_marks_a_branch(scenario):
    session, log = text_session(scenario)
    assert session.started_at is None
    session.start()
    assert session.started_at is not None  # Review shows when it was practised
    session.wait_for_listening(5)
    session.submit_text("You feel exhausted.")
    assert log.wait_for(lambda l: len(l.of(ev.TurnCompleted)) == 1)
    session.wait_for_listening(5)
    session.submit_text("You should take a holiday.")
    assert log.wait_for(lambda l: len(l.of(ev.TurnCompleted)) == 2)
    session.wait_for_listening(5)
    openness_after_advice = session.client.openness

    session.try_again_from(1)  # answer client line 1 again
    assert session.client.openness == pytest.approx(0.4)
    assert openness_after_advice == pytest.approx(0.3)
    session.submit_text("You're carrying a lot on your own.")
    assert log.wait_for(lambda l: len(l.of(ev.TurnCompleted)) == 3)
    branch = log.of(ev.TurnCompleted)[2].record
    assert branch["index"] == 2 and branch["branch_of"] == 2
    assert session.client.heard == ["You feel exhausted.", "You're carrying a lot on your own."]
    session.end()
    session.wait_ended(5)


def test_voice_mode_needs_audio_parts(scenario):
    with pytest.raises(ValueError, match="input_mode='text'"):
        Session(scenario, client=FakeClient(), speaker=NullSpeaker(), synthesizer=None,
                options=SessionOptions(input_mode="voice"))


def test_switching_a_text_only_session_to_voice_is_refused(scenario):
    """The window keeps text mode (and does not save voice as the choice) only if this raises."""
    session, log = text_session(scenario)
    with pytest.raises(AudioDeviceError, match="without a microphone"):
        session.set_input_mode("voice")
    with pytest.raises(AudioDeviceError):
        session.set_input_mode("push_to_talk")
    session.set_input_mode("text")  # always allowed


def test_pause_holds_turns_until_resumed(scenario):
    session, log = text_session(scenario)
    session.start()
    session.wait_for_listening(5)
    session.pause()
    session.submit_text("You feel unheard.")
    assert not log.wait_for(lambda l: len(l.of(ev.TraineeSaid)) == 1, timeout=0.3)
    session.resume()
    assert log.wait_for(lambda l: len(l.of(ev.TurnCompleted)) == 1)
    session.end()
    session.wait_ended(5)


def test_a_finished_session_can_be_branched_from_its_snapshot(scenario):
    session, log = text_session(scenario)
    session.start()
    session.wait_for_listening(5)
    session.submit_text("You feel exhausted.")
    assert log.wait_for(lambda l: len(l.of(ev.TurnCompleted)) == 1)
    session.wait_for_listening(5)
    session.end()
    assert session.wait_ended(5)
    snap = session.snapshot_at(1)  # answer the client's first reply again
    assert snap.client_line.startswith("Reply 1 sentence 1")

    branch, branch_log = text_session(scenario, client=FakeClient(), resume_from=snap)
    branch.start()
    assert branch.wait_for_listening(5)
    assert branch.client.openness == pytest.approx(0.4)  # restored, not replayed
    assert branch.client.heard == ["You feel exhausted."]
    branch.submit_text("What would you like to talk about?")
    assert branch_log.wait_for(lambda l: len(l.of(ev.TurnCompleted)) == 1)
    record = branch_log.of(ev.TurnCompleted)[0].record
    assert record["index"] == 2 and record["branch_of"] == 2
    assert branch.opening_text == snap.client_line
    assert not [e for e in branch_log.of(ev.ClientReplyStarted) if e.turn_index <= 1]
    branch.end()
    assert branch.wait_ended(5)
    assert list(branch.recorder.finished) == ["s1"]  # a branch with an answer is kept
    # and says what it tried again, so History can tell it from a session of its own
    assert snap.session_id == "s1"
    assert branch.recorder.settings["s1"]["try_again_of"] == {"session_id": "s1", "client_line": 1,
                                                             "client_text": snap.client_line}
    assert "try_again_of" not in session.recorder.settings["s1"]
    with pytest.raises(KeyError):
        session.snapshot_at(7)

    # a try closed without a new answer is not kept (History showed the figures it inherited)
    unanswered, _ = text_session(scenario, client=FakeClient(), resume_from=snap)
    unanswered.start()
    assert unanswered.wait_for_listening(5)
    unanswered.end()
    assert unanswered.wait_ended(5)
    assert unanswered.recorder.sessions == {} and unanswered.recorder.finished == {}


class SizeRecognizer:
    """Says how much audio it was given, so tests can tell which pass was used."""

    def __init__(self):
        self.calls: list[int] = []

    def transcribe(self, samples):
        self.calls.append(int(samples.size))
        return f"heard {samples.size} samples"


def test_transcription_starts_during_the_end_of_turn_silence(scenario):
    session, mic, log = voice_session(scenario, [])
    session.recognizer = SizeRecognizer()
    session.start()
    session.wait_for_listening(5)
    mic.feed_utterance(tone(1.0))
    assert log.wait_for(lambda l: len(l.of(ev.TurnCompleted)) == 1)
    # One pass only: the tentative one, started after 192 ms of silence, was used.
    assert len(session.recognizer.calls) == 1
    said = log.of(ev.TraineeSaid)[0].text
    assert said == f"heard {session.recognizer.calls[0]} samples"
    session.end()
    session.wait_ended(5)


def test_a_pause_shorter_than_the_end_of_turn_is_not_the_end(scenario):
    session, mic, log = voice_session(scenario, [])
    session.recognizer = SizeRecognizer()
    session.start()
    session.wait_for_listening(5)
    mic.silence_after_s = 0.3  # a thinking pause: tentative end fires, endpoint doesn't
    mic.feed_utterance(tone(0.8))
    mic.silence_after_s = 1.0
    mic.feed_utterance(tone(0.8))
    assert log.wait_for(lambda l: len(l.of(ev.TurnCompleted)) == 1)
    assert len(log.of(ev.TraineeSaid)) == 1  # one turn, not two
    calls = session.recognizer.calls
    # Two tentative passes: the first made stale by more speech, the second used as is.
    assert len(calls) == 2 and calls[0] < calls[1]
    said = log.of(ev.TraineeSaid)[0].text
    assert said == f"heard {calls[-1]} samples" and calls[-1] > 16000 * 1.9
    session.end()
    session.wait_ended(5)


def test_ending_a_session_that_never_started_does_not_hang(scenario):
    session, _log = text_session(scenario)
    session.end()
    assert session.wait_ended(1)


def test_services_use_the_models_chosen_in_settings(tmp_path):
    from trainer.app import ModelChoice, Services
    from trainer.storage import SessionStore

    services = Services()
    services._store = SessionStore.open(tmp_path, passphrase=None, use_env=False)
    assert services.chosen_models() == ModelChoice()
    services.store.set_setting("models.llm", "bigger-client")
    services.store.set_setting("models.voice", "en_GB-alba")
    assert services.chosen_models() == ModelChoice(llm="bigger-client", voice="en_GB-alba")
    explicit = Services(ModelChoice(scripted_client=True))
    assert explicit.chosen_models() == ModelChoice(scripted_client=True)
    services.store.close()


def test_a_microphone_that_fails_to_open_stores_nothing(scenario):
    """Such a session used to leave an empty "interrupted" row in the history."""
    session, mic, _log = voice_session(scenario, [])
    recorder = FakeRecorder()
    session.recorder = recorder

    def broken_start():
        raise AudioDeviceError("No microphone found (the default device: Error querying device -1).")

    mic.start = broken_start
    with pytest.raises(AudioDeviceError):
        session.start()
    assert recorder.sessions == {}
    session.end()
    assert session.wait_ended(5)


# -- held silences --------------------------------------------------------------------------


def completed(log):
    return [e.record for e in log.of(ev.TurnCompleted)]


def until(condition, timeout: float = 5.0) -> bool:
    """Poll a condition no event announces (the audio clock reaching a time)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def test_a_held_silence_brings_the_client_to_go_on(scenario):
    session, mic, log = voice_session(scenario, ["You sound tired."], goes_on_after_s=3.0)
    session.start()
    assert session.wait_for_listening(5)
    mic.feed_silence(3.5)
    assert log.wait_for(lambda l: len(l.of(ev.TurnCompleted)) == 1)
    held = log.of(ev.SilenceHeld)[0]
    assert held.turn_index == 1 and held.seconds == pytest.approx(3.0, abs=0.1)
    assert held.start_s == pytest.approx(log.of(ev.ClientSaid)[0].speech_end_s)
    record = completed(log)[0]
    assert record["trainee_text"] == "" and record["silence_s"] == pytest.approx(3.0, abs=0.1)
    assert record["client_text"] == "Going on 1 after a silence."
    assert not log.of(ev.TraineeSaid) and not log.of(ev.FeedbackReady)  # nothing to code
    assert session.feedback.silences == [(held.start_s, held.end_s)]
    assert [t["index"] for t in session.recorder.sessions["s1"]] == [0, 1]

    assert session.wait_for_listening(5)
    mic.feed_utterance(tone(0.8))  # the trainee answers the continuation
    assert log.wait_for(lambda l: len(l.of(ev.TurnCompleted)) == 2)
    assert completed(log)[1]["index"] == 2 and completed(log)[1]["trainee_text"] == "You sound tired."
    assert session.client.heard == ["", "You sound tired."]
    session.end()
    assert session.wait_ended(5)


def test_the_client_goes_on_at_most_twice_in_a_row(scenario):
    session, mic, log = voice_session(scenario, ["Mm."], goes_on_after_s=3.0)
    session.start()
    assert session.wait_for_listening(5)
    for count in (1, 2):
        mic.feed_silence(3.5)
        assert log.wait_for(lambda l: len(l.of(ev.TurnCompleted)) == count)
        assert session.wait_for_listening(5)
    mic.feed_silence(3.5)
    assert not log.wait_for(lambda l: len(l.of(ev.TurnCompleted)) == 3, timeout=0.5)
    mic.feed_utterance(tone(0.8))  # speaking again starts the count afresh
    assert log.wait_for(lambda l: len(l.of(ev.TurnCompleted)) == 3)
    assert session.wait_for_listening(5)
    mic.feed_silence(3.5)
    assert log.wait_for(lambda l: len(l.of(ev.TurnCompleted)) == 4)
    assert [bool(r.get("silence_held")) for r in completed(log)] == [True, True, False, True]
    session.end()
    assert session.wait_ended(5)


def test_short_silences_paused_time_and_a_zero_setting_bring_no_continuation(scenario):
    session, mic, log = voice_session(scenario, ["You feel stuck."], goes_on_after_s=3.0)
    session.start()
    assert session.wait_for_listening(5)
    start = session._clock()
    mic.feed_silence(2.0)
    assert until(lambda: session._clock() >= start + 1.95)
    session.pause()
    mic.feed_silence(5.0)  # paused: not a silence the trainee is holding
    assert until(lambda: session._clock() >= start + 6.95)
    session.resume()
    mic.feed_silence(0.5)
    assert not log.wait_for(lambda l: l.of(ev.SilenceHeld), timeout=0.5)
    mic.feed_utterance(tone(0.8))
    assert log.wait_for(lambda l: len(l.of(ev.TurnCompleted)) == 1)
    assert not log.of(ev.SilenceHeld)
    session.end()
    assert session.wait_ended(5)

    never, mic, log = voice_session(scenario, [], goes_on_after_s=0)
    never.start()
    assert never.wait_for_listening(5)
    mic.feed_silence(20.0)
    assert not log.wait_for(lambda l: l.of(ev.SilenceHeld), timeout=0.5)
    never.end()
    assert never.wait_ended(5)


def test_a_typed_session_never_goes_on_by_itself_but_a_front_end_may_ask(scenario):
    session, log = text_session(scenario)
    session.start()
    assert session.wait_for_listening(5)
    assert not log.wait_for(lambda l: l.of(ev.SilenceHeld), timeout=0.3)
    assert session.hold_silence()  # e.g. the terminal's /wait
    assert log.wait_for(lambda l: len(l.of(ev.TurnCompleted)) == 1)
    assert completed(log)[0]["client_text"] == "Going on 1 after a silence."
    session.end()
    assert session.wait_ended(5)


def test_after_try_again_the_client_waits_for_the_new_answer(scenario):
    session, mic, log = voice_session(scenario, ["You feel stuck.", "You feel trapped."], goes_on_after_s=3.0)
    session.start()
    assert session.wait_for_listening(5)
    mic.feed_utterance(tone(0.8))
    assert log.wait_for(lambda l: len(l.of(ev.TurnCompleted)) == 1)
    assert session.wait_for_listening(5)
    session.try_again_from(0)  # the trainee takes their time over a new answer
    mic.feed_silence(6.0)
    assert not log.wait_for(lambda l: l.of(ev.SilenceHeld), timeout=0.5)
    mic.feed_utterance(tone(0.8))
    assert log.wait_for(lambda l: len(l.of(ev.TurnCompleted)) == 2)
    assert completed(log)[1]["branch_of"] == 1 and completed(log)[1]["trainee_text"] == "You feel trapped."
    assert session.wait_for_listening(5)
    mic.feed_silence(3.5)  # after the new answer's reply the client goes on again
    assert log.wait_for(lambda l: len(l.of(ev.SilenceHeld)) == 1)
    session.end()
    assert session.wait_ended(5)


def test_staying_silent_is_still_an_answer_a_try_again_may_give(scenario):
    session, mic, log = voice_session(scenario, ["You feel stuck."], goes_on_after_s=3.0)
    session.start()
    assert session.wait_for_listening(5)
    mic.feed_utterance(tone(0.8))
    assert log.wait_for(lambda l: len(l.of(ev.TurnCompleted)) == 1)
    assert session.wait_for_listening(5)
    session.try_again_from(0)
    since = session._clock()
    mic.feed_silence(1.0)
    assert until(lambda: session._clock() >= since + 0.95)  # the blocks were read
    assert session.hold_silence()  # e.g. /wait typed in the try-again panel
    assert log.wait_for(lambda l: len(l.of(ev.TurnCompleted)) == 2)
    assert completed(log)[1]["branch_of"] == 1 and completed(log)[1]["silence_s"] == pytest.approx(1.0, abs=0.1)
    session.end()
    assert session.wait_ended(5)


def test_after_an_utterance_it_could_not_hear_the_silence_starts_again(scenario):
    session, mic, log = voice_session(scenario, [""], goes_on_after_s=3.0)  # a cough: no words
    session.start()
    assert session.wait_for_listening(5)
    mic.feed_utterance(tone(0.5))
    assert log.wait_for(lambda l: any("didn't catch" in e.message for e in l.of(ev.ErrorOccurred)))
    assert session.wait_for_listening(5)
    mic.feed_silence(3.5)
    assert log.wait_for(lambda l: len(l.of(ev.SilenceHeld)) == 1)
    session.end()
    assert session.wait_ended(5)


def test_a_pause_stops_the_silence_clock_without_resetting_it(scenario):
    session, mic, log = voice_session(scenario, [], goes_on_after_s=4.0)
    session.start()
    assert session.wait_for_listening(5)
    start = session._clock()
    mic.feed_silence(2.5)
    assert until(lambda: session._clock() >= start + 2.45)  # all blocks read
    session.pause()
    paused_at = session._clock()
    mic.feed_silence(6.0)  # paused: not counted
    assert until(lambda: session._clock() >= paused_at + 5.95)
    session.resume()
    assert not log.wait_for(lambda l: l.of(ev.SilenceHeld), timeout=0.3)
    mic.feed_silence(2.0)  # 2.5 + 2.0 > 4 s of silence held
    assert log.wait_for(lambda l: len(l.of(ev.SilenceHeld)) == 1)
    assert log.of(ev.SilenceHeld)[0].seconds < 6.0
    session.end()
    assert session.wait_ended(5)


def test_a_reply_cut_short_keeps_only_the_sentences_the_trainee_heard(scenario):
    speaker = NullSpeaker(pace=True)  # plays in real time: 1.1 s per sentence here
    session, mic, log = voice_session(scenario, ["You sound tired.", "Sorry, go on."], speaker=speaker)
    session.client.sentences_per_reply = 3
    session.start()
    assert session.wait_for_listening(5)
    mic.feed_utterance(tone(0.8))
    assert log.wait_for(lambda l: any(e.turn_index == 1 for e in l.of(ev.ClientSaidPart))
                        and l.of(ev.StateChanged)[-1].state == TurnState.CLIENT_SPEAKING)
    mic.feed_utterance(tone(0.8, amplitude=0.5))  # in during the first sentence
    assert log.wait_for(lambda l: len(l.of(ev.TurnCompleted)) == 2)
    first = "Reply 1 sentence 1 with a few more words to speak."
    record = completed(log)[0]
    assert record["client_interrupted"] and record["client_text"] == first
    assert [e.text for e in log.of(ev.ClientSaid) if e.turn_index == 1] == [first]
    assert session.client.trimmed == [first]  # the client forgets the two unheard sentences
    assert session.feedback.client_lines[1][0] == first  # and feedback judges only what was heard
    session.end()
    assert session.wait_ended(5)


def test_wait_typed_while_the_client_answers_is_refused(scenario):
    speaker = NullSpeaker(pace=True)  # the client's reply takes real time
    session, log = text_session(scenario, speaker=speaker)
    session.start()
    assert session.wait_for_listening(5)
    session.submit_text("You sound tired.")
    assert log.wait_for(lambda l: any(e.turn_index == 1 for e in l.of(ev.ClientSaidPart))
                        and l.of(ev.StateChanged)[-1].state == TurnState.CLIENT_SPEAKING)
    assert not session.hold_silence()  # typed ahead while the client is still speaking
    assert log.wait_for(lambda l: len(l.of(ev.TurnCompleted)) == 1)
    assert session.wait_for_listening(5)
    assert not log.wait_for(lambda l: len(l.of(ev.TurnCompleted)) == 2, timeout=0.3)
    assert session.hold_silence()  # now there is a silence to hold
    session.end()
    assert session.wait_ended(5)


class FullDiskRecorder(FakeRecorder):
    """Stores the opening line, then the disk is full (or, with ``error``, something else)."""

    def __init__(self, error: Exception | None = None):
        super().__init__()
        self.error = error or RuntimeError("database or disk is full")

    def add_turn(self, session_id, turn):
        if turn["index"] >= 1:
            raise self.error
        super().add_turn(session_id, turn)

    def finish_session(self, session_id, summary):
        raise self.error


def _typed_turns(session, log, texts):
    session.start()
    for number, text in enumerate(texts, 1):
        assert session.wait_for_listening(5)
        session.submit_text(text)
        assert log.wait_for(lambda l: len(l.of(ev.TurnCompleted)) == number)
    session.end()
    assert session.wait_ended(5)


def test_save_failures_are_told_once_as_sentences_with_what_was_not_saved(scenario, caplog):
    session, log = text_session(scenario, recorder=FullDiskRecorder())
    _typed_turns(session, log, ["You sound worn out.", "It has been a lot."])
    errors = [(e.message, e.hint) for e in log.of(ev.ErrorOccurred)]
    assert errors[:2] == [("Turn 1 could not be saved: database or disk is full.", "Practice continues."),
                          ("Turn 2 could not be saved: database or disk is full.", "Practice continues.")]
    message, hint = errors[2]
    assert message == "The session could not be stored: database or disk is full."
    assert "2 turns (1 and 2) and the summary" in hint and "in memory only" in hint
    assert session.summary == {"turns": 2}  # still there to be shown
    # the terminal prints the event; an ERROR log line as well printed every failure twice
    assert not [r for r in caplog.records if r.name == "trainer.session" and r.levelname == "ERROR"]


def test_a_removed_data_folder_says_nothing_of_the_session_is_stored(scenario):
    from trainer.storage.errors import DataFolderGoneError

    gone = DataFolderGoneError("The data folder /x was removed while trainer was using it.")
    session, log = text_session(scenario, recorder=FullDiskRecorder(gone))
    _typed_turns(session, log, ["You sound worn out."])
    message, hint = [(e.message, e.hint) for e in log.of(ev.ErrorOccurred)][-1]
    assert message.startswith("The session could not be stored: The data folder /x was removed")
    assert hint.startswith("Nothing of this session is stored")


def test_turns_that_failed_to_save_are_listed_at_the_end_when_the_rest_is_stored(scenario):
    class OneTurnLost(FakeRecorder):
        def add_turn(self, session_id, turn):
            if turn["index"] == 1:
                raise RuntimeError("disk I/O error")
            super().add_turn(session_id, turn)

    session, log = text_session(scenario, recorder=OneTurnLost())
    _typed_turns(session, log, ["You sound worn out.", "It has been a lot."])
    assert [(e.message, e.hint) for e in log.of(ev.ErrorOccurred)][-1] == (
        "Not saved: turn 1.", "The rest of the session and its summary are stored.")
    assert session.recorder.finished["s1"] == {"turns": 2}
    assert session.storage_problem == "Not saved: turn 1."  # for Review, which shows it from memory
    all_stored, log = text_session(scenario)
    _typed_turns(all_stored, log, ["You sound worn out."])
    assert all_stored.storage_problem is None


# -- a device lost mid-session ---------------------------------------------------------------


class SpeakerThatGoesAway:
    """Takes sound but never plays it, as an unplugged speaker's stream does."""

    def __init__(self) -> None:
        self.queued = 0
        self.closed = False

    def play(self, samples, sample_rate) -> None:
        self.queued += 1  # queued for good: the device stopped asking for sound

    @property
    def playing(self) -> bool:
        return self.queued > 0

    def wait_idle(self, timeout=None) -> bool:
        time.sleep(timeout or 0)
        return not self.playing

    def stalled(self) -> bool:
        return self.playing

    def stop(self) -> None:
        pass  # the lost stream cannot be flushed either

    def close(self) -> None:
        self.closed = True


def test_a_speaker_lost_mid_line_is_said_and_the_session_goes_on_silently(scenario):
    # The turn hung in "client speaking" for good, and the trainee's next words were
    # called an interruption.
    lost = SpeakerThatGoesAway()
    session, mic, log = voice_session(scenario, ["What brings you here?"], speaker=lost)
    session.start()
    assert session.wait_for_listening(5)
    errors = [e for e in log.of(ev.ErrorOccurred)]
    assert len(errors) == 1 and "speaker stopped playing" in errors[0].message and not errors[0].fatal
    assert lost.closed and isinstance(session.speaker, NullSpeaker) and session.speaker is not lost
    mic.feed_silence(0.3)
    mic.feed_utterance(tone(1.0))
    assert log.wait_for(lambda l: len(l.of(ev.TurnCompleted)) == 1)
    assert not log.of(ev.BargeIn) and not log.of(ev.TraineeSpeechStarted)[0].while_client_speaking
    session.end()
    assert session.wait_ended(5)


class SilentDeviceMicrophone(ScriptedMicrophone):
    """A device stream that stops delivering blocks, as an unplugged microphone's does."""

    streams_continuously = True


def test_a_microphone_that_stops_sending_sound_is_said_and_typing_offered(scenario, monkeypatch):
    import trainer.session

    monkeypatch.setattr(trainer.session, "MICROPHONE_STALL_S", 0.3)
    session, _mic, log = voice_session(scenario, [])
    session.microphone = SilentDeviceMicrophone(pace=False)
    session.start()
    assert log.wait_for(lambda l: any("Listening stopped" in e.message for e in l.of(ev.ErrorOccurred)))
    error = next(e for e in log.of(ev.ErrorOccurred) if "Listening stopped" in e.message)
    assert "no sound has come from the microphone" in error.message and "typing" in error.hint
    assert session.input_mode == "text"
    session.end()
    assert session.wait_ended(5)
