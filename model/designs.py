"""The argument designs and the rule that ties the distance to them, in one place: the run
configuration (``train/config.py``) and a saved model's configuration (``tagger.EventTaggerConfig``)
both ask here. No torch: loading a configuration stays light."""

ARGUMENT_DESIGNS = ("shared", "top_layers", "reencode")
# The layers a model learns; a training source may teach a subset of them (``[[data.sources]] layers``).
TRAINABLE_LAYERS = ("entities", "triggers", "arguments")


def check_argument_design(design: str, distance: bool) -> None:
    """A ValueError naming the key at fault, where the design is unknown or cannot take the distance."""
    if design not in ARGUMENT_DESIGNS:
        raise ValueError(f"argument_design: {design!r} is not one of {', '.join(map(repr, ARGUMENT_DESIGNS))}")
    if distance and design == "reencode":
        raise ValueError("argument_distance: only for the 'top_layers' and 'shared' designs, not 'reencode' "
                         "(it re-reads the sentence whole)")
