"""Scene labels for indoor photos (Indoors, Room, Interior Design and one room type), derived from the labels the
detector and classifier already gave, as Rekognition names the scene of such a photo.

No model here sees scenes of homes (ImageNet has "home theater" and shops, not rooms), so each scene label is a
rule over the calibrated labels of the photo (a label's confidence is P(the photo shows one), services/labels),
and its confidence is the smallest confidence of the evidence the rule needs: no scene label is surer than any
one thing it rests on. Rules, with conf(X) a label's confidence (0 when absent):
- outdoor evidence: the strongest label of category "Nature and Outdoors" or "Vehicles and Automotive", with
  Outdoors, Nature or Water among its parents, or in OUTDOOR (street furniture, farm and wild animals, sports of
  snow and sea). CAP = 100 - that: nothing indoor is surer than the absence of the outdoor evidence.
- Indoors: the second strongest of two differently named indoor things (labels of category "Home and Indoors"
  but the ambiguous Bench, and INDOOR: screens, computers, toilets, books), capped by CAP. Two, because one
  chair, bed or table is seen on terraces and in gardens (and the detector calls a cat's blanket a "Bed").
- Room: min(Indoors, the strongest furniture: a label with Furniture among its parents).
- A room type, each capped by Indoors, and only the strongest one (a photo shows one room; the others' evidence
  is usually furniture standing in it, such as a couch's cushions in a bedroom):
  Bedroom = min(Bed, Quilt): the detector's bed and the classifier's bedspread (the detector alone calls sofas
  beds: 3 of the 6 "Bed" above 75 on the fitting half of the VOC photos were sofas, none had a quilt);
  Kitchen = min(Sink, max(a kitchen appliance, Bowl, Plate)) (a sink alone is also a bathroom's; a cup too);
  Bathroom = Toilet;
  Living Room = min(Couch, max(TV, Pillow)) (a couch with a screen or its cushions);
  Dining Room = min(Dining Table, Chair, max(tableware)) (a table laid, with chairs: a desk has no cups).
- Interior Design: min(Room, max(decor: Home Decor, Lamp, Vase, Curtain, Potted Plant)): a furnished room.
Only evidence at EVIDENCE_FLOOR or more counts (DetectLabels keeps detections from min(MinConfidence, 40) up),
so a scene label does not change with the MinConfidence asked. The labels' parents and category are the
taxonomy's (scripts/gen_taxonomy.py DERIVED); scene labels have no instances (they are the whole photo).
"""

from __future__ import annotations

from oculi.ml.labels import taxonomy

EVIDENCE_FLOOR = 40.0
HOME = "Home and Indoors"
OUTDOOR_CATEGORIES = {"Nature and Outdoors", "Vehicles and Automotive"}
OUTDOOR_PARENTS = {"Outdoors", "Nature", "Water", "Vehicle"}
OUTDOOR = {"Traffic Light", "Fire Hydrant", "Stop Sign", "Parking Meter", "Kite", "Surfboard", "Ski", "Snowboard",
           "Skateboard", "Horse", "Sheep", "Cow", "Elephant", "Bear", "Zebra", "Giraffe", "Outdoors"}
INDOOR = {"TV", "Monitor", "Screen", "Toilet", "Laptop", "Computer", "Keyboard", "Mouse", "Book", "Bookcase",
          "Remote Control"}
NOT_INDOOR = {"Bench"}  # park benches
SCENES = {"Indoors", "Room", "Interior Design", "Living Room", "Bedroom", "Kitchen", "Dining Room", "Bathroom"}
KITCHEN_THINGS = ("Refrigerator", "Oven", "Microwave", "Stove", "Dishwasher", "Toaster", "Bowl", "Plate")
TABLEWARE = ("Cup", "Bowl", "Plate", "Wine Glass", "Fork", "Knife", "Spoon")
DECOR = ("Home Decor", "Lamp", "Vase", "Curtain", "Potted Plant")


def _info(name: str) -> dict:
    return taxonomy()["labels"].get(name, {"parents": [], "category": ""})


def outdoor_evidence(seen: dict[str, float]) -> float:
    """The strongest confidence of a label that says the photo is outdoors."""
    best = 0.0
    for name, conf in seen.items():
        info = _info(name)
        if (name in OUTDOOR or info["category"] in OUTDOOR_CATEGORIES
                or OUTDOOR_PARENTS & set(info["parents"])):
            best = max(best, conf)
    return best


def indoor_evidence(seen: dict[str, float]) -> float:
    """The second strongest of the differently named indoor things seen (0 with fewer than two)."""
    confs = sorted((conf for name, conf in seen.items()
                    if name not in SCENES | NOT_INDOOR and (name in INDOOR or _info(name)["category"] == HOME)),
                   reverse=True)
    return confs[1] if len(confs) >= 2 else 0.0


def scene_labels(seen: dict[str, float]) -> dict[str, float]:
    """Scene label -> confidence (0-100), from the photo's labels before parents (name -> confidence)."""
    seen = {name: conf for name, conf in seen.items() if conf >= EVIDENCE_FLOOR}

    def c(*names: str) -> float:
        return max((seen.get(n, 0.0) for n in names), default=0.0)

    indoors = min(indoor_evidence(seen), 100.0 - outdoor_evidence(seen))
    if indoors <= 0:
        return {}
    furniture = max((conf for name, conf in seen.items()
                     if name not in NOT_INDOOR and (name == "Furniture" or "Furniture" in _info(name)["parents"])),
                    default=0.0)
    out = {"Indoors": indoors, "Room": min(indoors, furniture)}
    rooms = {
        "Bedroom": min(c("Bed"), c("Quilt")),
        "Kitchen": min(c("Sink"), c(*KITCHEN_THINGS)),
        "Bathroom": c("Toilet"),
        "Living Room": min(c("Couch"), c("TV", "Pillow")),
        "Dining Room": min(c("Dining Table"), c("Chair"), c(*TABLEWARE)),
    }
    room, conf = max(rooms.items(), key=lambda kv: (kv[1], kv[0]))
    if conf > 0:
        out[room] = min(indoors, conf)
    out["Interior Design"] = min(out["Room"], c(*DECOR))
    return {name: conf for name, conf in out.items() if conf > 0}
