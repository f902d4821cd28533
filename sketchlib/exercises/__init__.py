"""Checks for the book's exercises, one module per chapter: each check runs a student's
function on test cases, compares it with sketchlib's own, and prints what is wrong with a hint
(or that it is right).

Every check returns ``True`` when the function is right and ``False`` otherwise; it never
raises because of the student's code, so a notebook keeps running.
"""

from .chapter1 import check_rdp, check_scale_factor, check_stroke3_to_stroke5
from .chapter2 import check_log_density, check_offset_loss, check_sample_step
from .chapter3 import check_decoder_input, check_greedy_sketch, check_param_count
from .chapter4 import check_kl, check_reparameterize, check_slerp
from .chapter5 import check_fraction_step, check_free_bits, check_kl_schedule
from .chapter6 import check_hyper_scale, check_layer_norm
from .chapter7 import check_canvas_to_stroke3, check_first_strokes
from .chapter8 import check_nats_from_loss, check_times_likelier

__all__ = ["check_stroke3_to_stroke5", "check_rdp", "check_scale_factor",
           "check_log_density", "check_offset_loss", "check_sample_step",
           "check_decoder_input", "check_greedy_sketch", "check_param_count",
           "check_reparameterize", "check_kl", "check_slerp",
           "check_kl_schedule", "check_fraction_step", "check_free_bits",
           "check_layer_norm", "check_hyper_scale",
           "check_canvas_to_stroke3", "check_first_strokes",
           "check_nats_from_loss", "check_times_likelier"]
