"""The WordNet-derived label taxonomy shipped as data."""

from oculi.ml.labels import taxonomy


def test_every_imagenet_class_has_a_named_label_with_taxonomy():
    tax = taxonomy()
    assert len(tax["imagenet"]) == 1000
    assert all(entry["name"] in tax["labels"] for entry in tax["imagenet"])
    assert all(name in tax["labels"] for name in tax["coco"].values())


def test_dog_breeds_are_dogs_with_animal_parents():
    tax = taxonomy()
    breeds = [e for e in tax["imagenet"] if e["fine"] in ("malamute", "Chihuahua", "golden retriever")]
    assert len(breeds) == 3 and {e["name"] for e in breeds} == {"Dog"}
    dog = tax["labels"]["Dog"]
    assert {"Animal", "Mammal", "Canine", "Pet"} <= set(dog["parents"])
    assert dog["category"] == "Animals and Pets"


def test_vehicles_and_food_are_categorised():
    labels = taxonomy()["labels"]
    assert labels["Car"]["category"] == "Vehicles and Automotive" and "Vehicle" in labels["Car"]["parents"]
    assert labels["Pizza"]["category"] == "Food and Beverage"
    assert taxonomy()["coco"]["1"] == "Person"
