"""Writes the leaderboard view-model the render benchmark uses: 50 rows,
names that need escaping, decimal hours."""
import json
import sys

names = ["Buzz <Aldrin>", "Neil & Co", "Michael \"Mike\" Collins",
         "Sally O'Ride", "Valentina", "Yuri", "Chris H.", "Peggy W."]
rows = []
for i in range(50):
    rows.append({"rank": i + 1,
                 "name": "%s %d" % (names[i % len(names)], i),
                 "hours": round(1200.25 - i * 13.75, 2),
                 "mine": i == 7})
data = {"title": "Leaderboard", "total": 10000, "page": 1, "pages": 200,
        "next": "/leaderboard?page=2", "prev": None,
        "user": {"name": "Sally O'Ride 7", "csrf": "q9X2-kd83_Zp0aLm"},
        "entries": rows}
json.dump(data, sys.stdout, indent=1)
