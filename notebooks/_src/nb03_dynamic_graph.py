CELLS = []
